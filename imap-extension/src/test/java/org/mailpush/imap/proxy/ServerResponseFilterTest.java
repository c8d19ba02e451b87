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

/** The server's responses on their way to the phone, on in-memory channels. */
class ServerResponseFilterTest {

    private final EmbeddedChannel client = new EmbeddedChannel();
    private final ProxyCommands own = new ProxyCommands("mailpush");
    private final List<String> completed = new ArrayList<>();
    private final ImapFrameDecoder decoder = new ImapFrameDecoder(1024, true);
    private final ServerResponseFilter filter = new ServerResponseFilter(client, decoder, new ServerResponseTracker(),
            own, line -> line.replace("COMPRESS=DEFLATE ", ""), new ServerResponseFilter.Listener() {
        @Override
        public void responseCompleted(final ServerResponseTracker.Response response, final List<String> stated,
                                      final boolean relayed) {
            completed.add(response.kind() + (relayed ? " relayed" : " kept") + (stated.isEmpty() ? "" : " " + stated));
        }

        @Override
        public void serverClosed() {
            completed.add("closed");
        }
    });
    private final EmbeddedChannel upstream = new EmbeddedChannel(decoder, filter);

    @AfterEach
    void close() {
        upstream.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    private void server(final String text) {
        upstream.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private String phone() {
        final StringBuilder text = new StringBuilder();
        for (Object out; (out = client.readOutbound()) != null; ) {
            text.append(((ByteBuf) out).toString(StandardCharsets.UTF_8));
            ((ByteBuf) out).release();
        }
        return text.toString();
    }

    @Test
    void responsesAreRelayedAndEachCompletionIsABoundary() {
        server("* 1 FETCH (BODY[] {4}\r\nab");
        assertThat(filter.atBoundary()).isFalse();
        assertThat(completed).isEmpty();
        server("cd)\r\na OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE X] done\r\n");
        assertThat(filter.atBoundary()).isTrue();
        assertThat(phone()).isEqualTo("* 1 FETCH (BODY[] {4}\r\nabcd)\r\na OK [CAPABILITY IMAP4rev1 X] done\r\n");
        assertThat(completed).containsExactly("DATA relayed", "TAGGED_STATUS relayed [IMAP4REV1, COMPRESS=DEFLATE, X]");
    }

    @Test
    void theAnswersToTheProxysOwnCommandKeepTheirClaimAndTheRestIsRelayed() {
        final List<String> handled = new ArrayList<>();
        own.send(upstream, "NAMESPACE", new ProxyCommands.Handler() {
            @Override
            public boolean claims(final ServerResponseTracker.Response response, final String firstLine) {
                return "NAMESPACE".equals(response.status());
            }

            @Override
            public void untagged(final byte[] response) {
                handled.add("untagged " + (response == null ? null : new String(response, StandardCharsets.UTF_8)));
            }

            @Override
            public void tagged(final ServerResponseTracker.Response response, final String line,
                               final List<String> capabilities) {
                handled.add("tagged " + line.strip());
            }
        });
        upstream.readOutbound(); // the command itself
        server("* 4 EXISTS\r\n* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nmailpush1 OK done\r\n");
        assertThat(phone()).isEqualTo("* 4 EXISTS\r\n");
        assertThat(handled).containsExactly("untagged * NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
                "tagged mailpush1 OK done");
        assertThat(completed).containsExactly("DATA relayed", "DATA kept", "TAGGED_STATUS kept");
        assertThat(own.busy()).isFalse();
    }

    @Test
    void aClaimedResponseOverTheBoundIsDroppedAndTheHandlerToldSo() {
        final List<byte[]> got = new ArrayList<>();
        own.send(upstream, "STATUS x", new ProxyCommands.Handler() {
            @Override
            public boolean claims(final ServerResponseTracker.Response response, final String firstLine) {
                return true;
            }

            @Override
            public void untagged(final byte[] response) {
                got.add(response);
            }

            @Override
            public void tagged(final ServerResponseTracker.Response response, final String line,
                               final List<String> capabilities) {
            }
        });
        upstream.readOutbound();
        final String big = "y".repeat(ProxyCommands.MAX_RESPONSE_BYTES + 10);
        server("* STATUS {" + big.length() + "}\r\n" + big + " (MESSAGES 1)\r\nmailpush1 OK done\r\n");
        assertThat(got).containsExactly((byte[]) null);
        assertThat(phone()).isEmpty();
    }

    @Test
    void theServerClosingIsReported() {
        upstream.close();
        assertThat(completed).containsExactly("closed");
    }
}
