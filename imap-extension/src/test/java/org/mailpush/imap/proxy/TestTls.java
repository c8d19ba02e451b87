package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.mailpush.certs.example.ExamplePki;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS for the in-memory session tests: the proxy's certificate (the example PKI's localhost server certificate) and a
 * phone that speaks TLS to the session by moving bytes between two in-memory channels.
 */
final class TestTls {

    private static ExamplePki pki;

    private TestTls() {
    }

    private static synchronized ExamplePki pki() throws Exception {
        if (pki == null) {
            final Path dir = Files.createTempDirectory("mailpush-tls");
            dir.toFile().deleteOnExit();
            pki = ExamplePki.create(dir);
        }
        return pki;
    }

    static SslContext server() throws Exception {
        return SslContextBuilder.forServer(pki().serverCertificateFile().toFile(), pki().serverKeyFile().toFile())
                .build();
    }

    /** A client context that trusts anything: for the upstream leg, where these tests never finish TLS. */
    static SslContext client() throws Exception {
        return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    static Phone phone(final SessionHarness proxy) throws Exception {
        return new Phone(proxy, SslContextBuilder.forClient().trustManager(pki().caCertificateFile().toFile())
                .build());
    }

    /** A TLS client on an in-memory channel, its bytes carried to and from the session's client channel. */
    static final class Phone implements AutoCloseable {

        private final SessionHarness proxy;
        private final EmbeddedChannel channel;
        private final SslHandler tls;

        Phone(final SessionHarness proxy, final SslContext context) {
            this.proxy = proxy;
            this.channel = new EmbeddedChannel();
            this.tls = context.newHandler(channel.alloc(), "localhost", 993);
            channel.pipeline().addLast(tls);
        }

        /** Moves bytes both ways until neither side has any to send. */
        void pump() {
            for (int round = 0; round < 50; round++) {
                boolean moved = false;
                for (Object out; (out = channel.readOutbound()) != null; ) {
                    proxy.client.writeInbound(out);
                    moved = true;
                }
                proxy.run();
                for (Object out; (out = proxy.client.readOutbound()) != null; ) {
                    channel.writeInbound(out);
                    moved = true;
                }
                channel.runPendingTasks();
                if (!moved) {
                    return;
                }
            }
        }

        void handshake() {
            pump();
            if (!tls.handshakeFuture().isSuccess()) {
                throw new AssertionError("TLS handshake did not complete: " + tls.handshakeFuture().cause());
            }
        }

        void send(final String text) {
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            pump();
        }

        /** What the phone got, decrypted, since the last call. */
        String received() {
            pump();
            final StringBuilder text = new StringBuilder();
            for (Object in; (in = channel.readInbound()) != null; ) {
                text.append(((ByteBuf) in).toString(StandardCharsets.UTF_8));
                ((ByteBuf) in).release();
            }
            return text.toString();
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll();
        }
    }
}
