package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import org.mailpush.store.Registration;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@link ImapProxySession} between two in-memory channels, no sockets: the test plays the phone on
 * {@link #client} and the IMAP server on {@link #server}, byte for byte, and time moves only when it says so.
 * Registrations go to a list, completed at once (or held, {@link #holdRegistrations}).
 */
final class SessionHarness implements AutoCloseable {

    static final String TOPIC = "com.apple.mail.XServer.HARNESS";
    static final InetSocketAddress PHONE = new InetSocketAddress("203.0.113.7", 50123);
    static final InetSocketAddress PROXY = new InetSocketAddress("192.0.2.10", 993);

    final List<Registration> registered = new ArrayList<>();
    private final List<CompletableFuture<Void>> heldRegistrations = new ArrayList<>();
    private boolean holdRegistrations;

    final ImapProxySession session;
    final ProxyCounters counters = new ProxyCounters();
    final EmbeddedChannel client;
    EmbeddedChannel server;

    SessionHarness(final ImapProxySettings settings) {
        this(settings, false);
    }

    SessionHarness(final ImapProxySettings settings, final boolean implicitTls) {
        final RegistrationSink sink = new RegistrationSink() {
            @Override
            public String topic() {
                return TOPIC;
            }

            @Override
            public CompletableFuture<Void> register(final Registration registration) {
                registered.add(registration);
                final CompletableFuture<Void> done = new CompletableFuture<>();
                if (holdRegistrations) {
                    heldRegistrations.add(done);
                } else {
                    done.complete(null);
                }
                return done;
            }
        };
        final UpstreamDialer dialer = (clientChannel, initializer) -> {
            server = new AddressedChannel(PROXY, new InetSocketAddress("127.0.0.1", 143), initializer);
            return server.newSucceededFuture();
        };
        session = new ImapProxySession(settings, sink, counters, implicitTls, dialer,
                Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC), OWN_TAG_PREFIX);
        client = new AddressedChannel(PHONE, PROXY, null);
        client.pipeline().addLast("frames", session.newClientDecoder()).addLast("session", session);
        AddressedChannel.registerNow(client);
        run();
    }

    /** The proxy's own tags in these tests: mailpush1, mailpush2, ... (sessions in service use a random prefix). */
    static final String OWN_TAG_PREFIX = "mailpush";

    /** Plain settings: upstream plain, login allowed without TLS, no address forwarding. */
    static ImapProxySettings.Builder plain() {
        return ImapProxySettings.builder().allowPlainLogin(true).upstream("127.0.0.1", 143)
                .forwardClientAddress(ImapProxySettings.ClientAddress.NONE);
    }

    /** The server greets; the session is then ready for the client. */
    SessionHarness greeted() {
        serverSends("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID IDLE NAMESPACE AUTH=PLAIN] ready\r\n");
        toClient();
        return this;
    }

    /** Greeted, and logged in as {@code user} (the server says OK). */
    SessionHarness loggedIn(final String user) {
        greeted();
        clientSends("l1 LOGIN " + user + " secret\r\n");
        toServer();
        serverSends("l1 OK [CAPABILITY IMAP4rev1 LITERAL+ ID IDLE NAMESPACE] Logged in\r\n");
        toClient();
        return this;
    }

    void holdRegistrations() {
        holdRegistrations = true;
    }

    void completeRegistrations() {
        heldRegistrations.forEach(f -> f.complete(null));
        heldRegistrations.clear();
        run();
    }

    void clientSends(final String text) {
        client.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        run();
    }

    void clientSends(final byte[] bytes) {
        client.writeInbound(Unpooled.wrappedBuffer(bytes));
        run();
    }

    void serverSends(final String text) {
        server.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        run();
    }

    void serverSends(final byte[] bytes) {
        server.writeInbound(Unpooled.wrappedBuffer(bytes));
        run();
    }

    /** What the session sent the server since the last call. */
    String toServer() {
        return drain(server, StandardCharsets.UTF_8);
    }

    /** What the session sent the phone since the last call. */
    String toClient() {
        return drain(client, StandardCharsets.UTF_8);
    }

    /** As {@link #toServer()}, one char per byte, for bytes that need not be UTF-8. */
    String toServerBytes() {
        return drain(server, StandardCharsets.ISO_8859_1);
    }

    /** As {@link #toClient()}, one char per byte. */
    String toClientBytes() {
        return drain(client, StandardCharsets.ISO_8859_1);
    }

    /** The user the session logged in, {@code null} for none. */
    String user() {
        return session.loggedInUser();
    }

    void advance(final long amount, final TimeUnit unit) {
        client.advanceTimeBy(amount, unit);
        client.runScheduledPendingTasks();
        run();
    }

    /** Runs queued tasks on both channels until there are none. */
    void run() {
        for (int i = 0; i < 100; i++) {
            client.runPendingTasks();
            if (server != null) {
                server.runPendingTasks();
            }
            if (!client.hasPendingTasks() && (server == null || !server.hasPendingTasks())) {
                return;
            }
        }
    }

    static String drain(final EmbeddedChannel channel, final java.nio.charset.Charset charset) {
        if (channel == null) {
            return "";
        }
        channel.runPendingTasks();
        final StringBuilder text = new StringBuilder();
        for (Object message; (message = channel.readOutbound()) != null; ) {
            if (message instanceof ByteBuf buffer) {
                text.append(buffer.toString(charset));
                buffer.release();
            } else {
                text.append(message);
                io.netty.util.ReferenceCountUtil.release(message);
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        client.finishAndReleaseAll();
        if (server != null) {
            server.finishAndReleaseAll();
        }
    }

    /** An in-memory channel with socket addresses, as the session reads them for address forwarding. */
    static final class AddressedChannel extends EmbeddedChannel {

        private final SocketAddress remote;
        private final SocketAddress local;

        AddressedChannel(final SocketAddress remote, final SocketAddress local, final ChannelHandler handler) {
            super(DefaultChannelId.newInstance(), false, false);
            this.remote = remote;
            this.local = local;
            if (handler != null) {
                pipeline().addLast(handler);
                registerNow(this);
            }
        }

        static void registerNow(final EmbeddedChannel channel) {
            try {
                channel.register();
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }

        @Override
        protected SocketAddress localAddress0() {
            return local;
        }
    }
}
