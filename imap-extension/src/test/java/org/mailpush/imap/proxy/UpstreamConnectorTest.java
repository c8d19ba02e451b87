package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Readying the upstream connection, step by step, on an in-memory channel: greeting, STARTTLS, ID. */
class UpstreamConnectorTest {

    private final List<String> events = new ArrayList<>();
    private final UpstreamConnector.Listener listener = new UpstreamConnector.Listener() {
        @Override
        public void upstreamReady(final String greeting, final List<String> capabilities) {
            events.add("ready " + greeting.strip() + " " + capabilities);
        }

        @Override
        public void upstreamFailed(final String why) {
            events.add("failed " + why);
        }
    };
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private EmbeddedChannel connector(final boolean startTls, final String id) throws Exception {
        final ImapFrameDecoder decoder = new ImapFrameDecoder(64 * 1024, true);
        final io.netty.handler.ssl.SslContext tls = TestTls.client();
        channel = new EmbeddedChannel(decoder, new UpstreamConnector(decoder, new ServerResponseTracker(),
                startTls ? () -> tls.newHandler(channel.alloc()) : null, id, listener));
        return channel;
    }

    private void server(final String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private String sent() {
        final StringBuilder text = new StringBuilder();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            text.append(((ByteBuf) out).toString(StandardCharsets.UTF_8));
            ((ByteBuf) out).release();
        }
        return text.toString();
    }

    @Test
    void aPlainGreetingIsReadyAtOnceWithItsCapabilities() throws Exception {
        connector(false, null);
        server("* OK [CAPABILITY IMAP4rev1 ID] hello\r\n");
        assertThat(events).containsExactly("ready * OK [CAPABILITY IMAP4rev1 ID] hello [IMAP4REV1, ID]");
        assertThat(sent()).isEmpty();
    }

    @Test
    void aGreetingInPartsIsReadWhole() throws Exception {
        connector(false, null);
        server("* OK hel");
        assertThat(events).isEmpty();
        server("lo\r\n");
        assertThat(events).containsExactly("ready * OK hello []");
    }

    @Test
    void theIdGoesOutBeforeReadyAndWhateverTheServerAnswersItIsReady() throws Exception {
        connector(false, "ID (\"x-originating-ip\" \"203.0.113.7\")");
        server("* OK hi\r\n");
        assertThat(sent()).isEqualTo("mailpush-id ID (\"x-originating-ip\" \"203.0.113.7\")\r\n");
        assertThat(events).isEmpty();
        server("* ID NIL\r\n* 1 EXISTS\r\n");
        assertThat(events).isEmpty();
        server("mailpush-id BAD ID not allowed here\r\n");
        assertThat(events).containsExactly("ready * OK hi []");
    }

    @Test
    void aByeOrSomethingElseThanAGreetingFails() throws Exception {
        connector(false, null);
        server("* BYE too busy\r\n");
        assertThat(events).containsExactly("failed the server said BYE: * BYE too busy");
        assertThat(channel.isOpen()).isFalse();
        events.clear();
        connector(false, null);
        server("SSH-2.0-OpenSSH_9.2\r\n");
        assertThat(events).singleElement().asString().startsWith("failed the server did not greet as an IMAP server");
    }

    @Test
    void startTlsIsAskedForAndARefusalOrAPreauthFails() throws Exception {
        connector(true, null);
        server("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
        assertThat(sent()).isEqualTo("mailpush-tls STARTTLS\r\n");
        server("* CAPABILITY IMAP4rev1 STARTTLS\r\n");
        assertThat(events).isEmpty();
        server("mailpush-tls NO not now\r\n");
        assertThat(events).containsExactly("failed the server refused STARTTLS: mailpush-tls NO not now");
        events.clear();
        connector(true, null);
        server("* PREAUTH logged in\r\n");
        assertThat(events).containsExactly("failed the server pre-authenticated the connection before STARTTLS");
    }

    @Test
    void afterStartTlsOkTheHandshakeStartsAndPlaintextAfterTheOkIsRefused() throws Exception {
        connector(true, null);
        server("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n");
        sent();
        server("mailpush-tls OK Begin TLS negotiation now\r\n");
        assertThat(channel.pipeline().first()).isInstanceOf(io.netty.handler.ssl.SslHandler.class);
        assertThat(sent()).as("the ClientHello").isNotEmpty();
        assertThat(events).isEmpty();

        events.clear();
        connector(true, null);
        server("* OK hi\r\n");
        sent();
        server("mailpush-tls OK Begin\r\n* OK [CAPABILITY IMAP4rev1 AUTH=ANONYMOUS] not from the server\r\n");
        assertThat(events).containsExactly("failed the server sent bytes after its STARTTLS OK, before TLS: refused as"
                + " injected");
        assertThat(channel.pipeline().get("tls")).isNull();
    }

    @Test
    void aServerThatClosesEarlyFails() throws Exception {
        connector(false, null);
        channel.close();
        assertThat(events).containsExactly("failed the server closed the connection before it was ready");
    }
}
