package org.mailpush.testing;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DavClient's parsing and requests, against a JDK HTTP server answering with Cyrus 3.6.1's own XML (captured). */
class DavClientTest {

    /** Cyrus 3.6.1's answer to the home PROPFIND (Depth 1), as captured with curl, trimmed to two collections. */
    private static final String MULTISTATUS = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            + "<A:multistatus xmlns:A=\"DAV:\" xmlns:C=\"http://calendarserver.org/ns/\""
            + " xmlns:X27CD=\"urn:ietf:params:xml:ns:caldav\" xmlns:MM=\"urn:mobileme:davservices\">\n"
            + "<A:response><A:href>/dav/calendars/user/alice/</A:href><A:propstat><A:prop>"
            + "<A:displayname><![CDATA[#calendars]]></A:displayname><A:resourcetype><A:collection/></A:resourcetype>"
            + "<C:push-transports><C:transport type=\"APSD\"><C:subscription-url><A:href>/applepush/subscribe</A:href>"
            + "</C:subscription-url><C:apsbundleid>com.apple.calendar.XServer.test-uuid</C:apsbundleid>"
            + "<MM:env>PRODUCTION</MM:env><C:refresh-interval>86400</C:refresh-interval></C:transport>"
            + "</C:push-transports></A:prop><A:status>HTTP/1.1 200 OK</A:status></A:propstat><A:propstat><A:prop>"
            + "<C:getctag/><C:pushkey/><A:sync-token/></A:prop><A:status>HTTP/1.1 404 Not Found</A:status>"
            + "</A:propstat></A:response>"
            + "<A:response><A:href>/dav/calendars/user/alice/Default/</A:href><A:propstat><A:prop>"
            + "<C:getctag>1796184321-5</C:getctag><C:pushkey>alice/56w9wjyltlqqckgi4m5wv82k</C:pushkey></A:prop>"
            + "<A:status>HTTP/1.1 200 OK</A:status></A:propstat><A:propstat><A:prop><C:push-transports/></A:prop>"
            + "<A:status>HTTP/1.1 404 Not Found</A:status></A:propstat></A:response>"
            + "<A:response><A:href>/dav/calendars/user/alice/Inbox/</A:href><A:propstat><A:prop>"
            + "<C:pushkey>alice/smye7vpgxp1hxyehfwn886ke</C:pushkey></A:prop>"
            + "<A:status>HTTP/1.1 200 OK</A:status></A:propstat></A:response></A:multistatus>";

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " depth="
                    + exchange.getRequestHeaders().getFirst("Depth") + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization") + " type="
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " body=" + body);
            final boolean propfind = "PROPFIND".equals(exchange.getRequestMethod());
            final boolean broken = exchange.getRequestURI().getPath().startsWith("/broken/");
            final String text = propfind ? (broken ? "<not-xml" : MULTISTATUS) : "";
            final byte[] answer = text.getBytes(StandardCharsets.UTF_8);
            final boolean refused = exchange.getRequestURI().getPath().contains("bad");
            exchange.sendResponseHeaders(propfind ? 207 : refused ? 400 : 200, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private DavClient client() {
        return new DavClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "alice", "pw");
    }

    @Test
    void readsThePushTransportOfTheHomeWithEnvInCyrussNamespace() throws Exception {
        assertThat(client().pushTransports(DavClient.calendarHome("alice"))).isEqualTo(new DavClient.PushTransport(
                "APSD", "/applepush/subscribe", "com.apple.calendar.XServer.test-uuid", "PRODUCTION", 86400));
        assertThat(requests).singleElement().asString()
                .startsWith("PROPFIND /dav/calendars/user/alice/ depth=0 auth=Basic YWxpY2U6cHc= type=text/xml")
                .contains("push-transports");
    }

    @Test
    void pushKeysLeaveOutTheHomeWhosePushkeyIsNotFound() throws Exception {
        assertThat(client().pushKeys(DavClient.calendarHome("alice"))).containsExactly(
                Map.entry("/dav/calendars/user/alice/Default/", "alice/56w9wjyltlqqckgi4m5wv82k"),
                Map.entry("/dav/calendars/user/alice/Inbox/", "alice/smye7vpgxp1hxyehfwn886ke"));
        assertThat(requests).singleElement().asString().contains("depth=1");
    }

    @Test
    void subscribesWithAFormPostAndReturnsTheStatus() throws Exception {
        assertThat(client().subscribe("/applepush/subscribe", "abab", "alice@example.com/xyz")).isEqualTo(200);
        assertThat(client().subscribe("/applepush/bad", "abab", "k")).isEqualTo(400);
        assertThat(requests.get(0)).isEqualTo("POST /applepush/subscribe depth=null auth=Basic YWxpY2U6cHc="
                + " type=application/x-www-form-urlencoded body=token=abab&key=alice%40example.com%2Fxyz");
    }

    @Test
    void aBodyThatIsNotXmlIsAnErrorSayingSo() {
        assertThatThrownBy(() -> client().pushKeys("/broken/"))
                .isInstanceOf(IOException.class).hasMessageContaining("not a DAV XML answer");
    }
}
