package org.mailpush.testing;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CalDAV/CardDAV client for tests against Cyrus's httpd, doing what iOS Calendar and Contacts do for push: PROPFIND
 * a home for Apple's push transport ({@code CS:push-transports}) and its collections' {@code CS:pushkey}s, POST the
 * device's subscription ({@code token=..&key=..}) to the advertised URL, and write events and cards (PUT, DELETE).
 * Basic authentication, sent with every request (no challenge round trip), over plain HTTP/1.1.
 *
 * <p>Threading: one client per user; {@link HttpClient} makes it safe to share, but tests use it from one thread.
 * Nothing to close.</p>
 */
public final class DavClient {

    /** Apple CalendarServer's namespace: push-transports, pushkey, getctag. */
    public static final String CS = "http://calendarserver.org/ns/";
    /** {@code urn:mobileme:davservices}: Cyrus puts {@code env} there (CalendarServer puts it in {@link #CS}). */
    public static final String MM = "urn:mobileme:davservices";
    public static final String DAV = "DAV:";

    /** A cut-down version of the body iOS sends to poll a calendar home (dav-push.md §3.3). */
    private static final String HOME_PROPFIND = """
            <?xml version="1.0" encoding="UTF-8"?>
            <A:propfind xmlns:A="DAV:"><A:prop><A:displayname/><A:resourcetype/>
             <C:getctag xmlns:C="http://calendarserver.org/ns/"/><C:push-transports xmlns:C="http://calendarserver.org/ns/"/>
             <C:pushkey xmlns:C="http://calendarserver.org/ns/"/><A:sync-token/></A:prop></A:propfind>
            """;
    private static final String USER_AGENT = "iOS/17.5 (21F79) dataaccessd/1.0";

    private final URI base;
    private final String user;
    private final String authorization;
    private final HttpClient http;

    /**
     * @param base     e.g. {@link CyrusServer#httpBase()}
     * @param user     the login name (with its domain under virtdomains)
     */
    public DavClient(final URI base, final String user, final String password) {
        this.base = base;
        this.user = user;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        // HTTP/1.1 only: the JDK would otherwise offer an h2c upgrade, which is not what an iPhone does here.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** {@code /dav/calendars/user/<user>/}, Cyrus's calendar home. */
    public static String calendarHome(final String user) {
        return "/dav/calendars/user/" + user + "/";
    }

    /** {@code /dav/addressbooks/user/<user>/}, Cyrus's address-book home. */
    public static String addressBookHome(final String user) {
        return "/dav/addressbooks/user/" + user + "/";
    }

    public String user() {
        return user;
    }

    /** Apple's push transport as a home advertises it. */
    public record PushTransport(String type, String subscriptionUrl, String apsBundleId, String env,
                                int refreshInterval) {
    }

    /**
     * PROPFIND Depth 0 on a home and its {@code CS:push-transports/CS:transport}.
     *
     * @throws IOException when the answer is not a 207 with exactly one transport (status and body in the message)
     */
    public PushTransport pushTransports(final String home) throws IOException, InterruptedException {
        final Document multistatus = propfind(home, 0, HOME_PROPFIND);
        final NodeList transports = multistatus.getElementsByTagNameNS(CS, "transport");
        if (transports.getLength() != 1) {
            throw new IOException("expected one CS:transport in the PROPFIND of " + home + ", found "
                    + transports.getLength());
        }
        final Element transport = (Element) transports.item(0);
        final Element url = child(transport, CS, "subscription-url");
        return new PushTransport(transport.getAttribute("type"), text(child(url, DAV, "href")),
                text(child(transport, CS, "apsbundleid")), text(child(transport, MM, "env")),
                Integer.parseInt(text(child(transport, CS, "refresh-interval"))));
    }

    /**
     * PROPFIND Depth 1 on a home: each collection's href and its {@code CS:pushkey}, in the server's order. The home
     * itself has none on Cyrus (404 in its propstat) and is left out, as is any collection without one.
     */
    public Map<String, String> pushKeys(final String home) throws IOException, InterruptedException {
        final Document multistatus = propfind(home, 1, HOME_PROPFIND);
        final Map<String, String> keys = new LinkedHashMap<>();
        final NodeList responses = multistatus.getElementsByTagNameNS(DAV, "response");
        for (int i = 0; i < responses.getLength(); i++) {
            final Element response = (Element) responses.item(i);
            final String href = text(child(response, DAV, "href"));
            for (final Element propstat : children(response, DAV, "propstat")) {
                if (!text(child(propstat, DAV, "status")).contains(" 200 ")) {
                    continue;
                }
                final NodeList pushkey = child(propstat, DAV, "prop").getElementsByTagNameNS(CS, "pushkey");
                if (pushkey.getLength() == 1 && !pushkey.item(0).getTextContent().isBlank()) {
                    keys.put(href, pushkey.item(0).getTextContent().strip());
                }
            }
        }
        return keys;
    }

    /**
     * PROPFIND with {@code body}; returns the parsed multistatus.
     *
     * @throws IOException when the status is not 207 or the body is not XML
     */
    public Document propfind(final String path, final int depth, final String body)
            throws IOException, InterruptedException {
        final HttpResponse<String> response = send(request(path)
                .header("Depth", String.valueOf(depth))
                .header("Content-Type", "text/xml; charset=utf-8")
                .method("PROPFIND", HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        if (response.statusCode() != 207) {
            throw new IOException("PROPFIND " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    /**
     * Subscribes a device as iOS does: a form POST of {@code token} and {@code key} to the transport's subscription
     * URL (relative on Cyrus, resolved against the server). Returns the status: 200 taken, 400 refused.
     */
    public int subscribe(final String subscriptionUrl, final String token, final String key)
            throws IOException, InterruptedException {
        final String form = "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "&key=" + URLEncoder.encode(key, StandardCharsets.UTF_8);
        return send(request(subscriptionUrl)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.US_ASCII))).statusCode();
    }

    /** PUT of a one-event iCalendar object at {@code path}; 201 when created, 204 when it overwrote one. */
    public int putEvent(final String path, final String uid, final String summary)
            throws IOException, InterruptedException {
        return put(path, "text/calendar; charset=utf-8", String.join("\r\n",
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//mailpush//tests//EN",
                "BEGIN:VEVENT",
                "UID:" + uid,
                "DTSTAMP:20260101T000000Z",
                "DTSTART:20260102T100000Z",
                "DTEND:20260102T110000Z",
                "SUMMARY:" + summary,
                "END:VEVENT",
                "END:VCALENDAR",
                ""));
    }

    /** PUT of a vCard 3.0 at {@code path}; 201 when created, 204 when it overwrote one. */
    public int putVCard(final String path, final String uid, final String name)
            throws IOException, InterruptedException {
        return put(path, "text/vcard; charset=utf-8", String.join("\r\n",
                "BEGIN:VCARD",
                "VERSION:3.0",
                "UID:" + uid,
                "FN:" + name,
                "N:" + name + ";;;;",
                "END:VCARD",
                ""));
    }

    /** PUT of {@code body}; returns the status. */
    public int put(final String path, final String contentType, final String body)
            throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))).statusCode();
    }

    /** DELETE; returns the status (204 when it was there). */
    public int delete(final String path) throws IOException, InterruptedException {
        return send(request(path).DELETE()).statusCode();
    }

    private HttpRequest.Builder request(final String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", authorization)
                .header("User-Agent", USER_AGENT);
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static Document parse(final String xml) throws IOException {
        try {
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            // The server is the test's own, but no XML parser here fetches anything or expands entities.
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            final DocumentBuilder builder = factory.newDocumentBuilder();
            // The default handler prints "[Fatal Error]" to stderr besides throwing; the exception says it all.
            builder.setErrorHandler(new DefaultHandler() {
                @Override
                public void error(final SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (final ParserConfigurationException | SAXException e) {
            throw new IOException("not a DAV XML answer (" + e.getMessage() + "): " + xml, e);
        }
    }

    private static List<Element> children(final Element parent, final String namespace, final String name) {
        final List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && namespace.equals(element.getNamespaceURI())
                    && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }

    private static Element child(final Element parent, final String namespace, final String name) throws IOException {
        final List<Element> found = children(parent, namespace, name);
        if (found.size() != 1) {
            throw new IOException("expected one {" + namespace + "}" + name + " in <" + parent.getTagName()
                    + ">, found " + found.size());
        }
        return found.get(0);
    }

    private static String text(final Element element) {
        return element.getTextContent().strip();
    }
}
