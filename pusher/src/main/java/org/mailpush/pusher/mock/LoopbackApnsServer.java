package org.mailpush.pusher.mock;

import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.handler.codec.http2.Http2Headers;
import org.mailpush.common.mail.DeviceTokens;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Pushy's {@link MockApnsServer} as the APNs peer of the demo and the tests: real HTTP/2 over TLS with client
 * certificate authentication, Apple's validation rules (the topic must be the client certificate's UID, the token
 * must be registered for it), and a record of every request it saw.
 *
 * <p>By default it validates like Apple: {@link #allow} a token for a topic before pushing to it; {@link #unregister}
 * makes it answer 410 Unregistered. Pass another {@link PushNotificationHandlerFactory} to inject other answers.
 * Thread-safe. Note that Pushy binds the port on every interface, not only loopback.</p>
 */
public final class LoopbackApnsServer implements AutoCloseable {

    private final MockApnsServer server;
    private final EventLoopGroup eventLoop;
    private final int port;
    private final Map<String, Set<String>> tokensByTopic;
    private final Map<String, Instant> unregistered;
    private final List<ReceivedPush> received;

    private LoopbackApnsServer(final MockApnsServer server, final EventLoopGroup eventLoop, final int port,
                               final Map<String, Set<String>> tokensByTopic, final Map<String, Instant> unregistered,
                               final List<ReceivedPush> received) {
        this.server = server;
        this.eventLoop = eventLoop;
        this.port = port;
        this.tokensByTopic = tokensByTopic;
        this.unregistered = unregistered;
        this.received = received;
    }

    /**
     * Starts a validating mock APNs server.
     *
     * @param serverCertificate PEM chain of the server ({@code localhost})
     * @param serverKey         PKCS#8 PEM key of the server
     * @param trustedClientCa   PEM CA whose client certificates are accepted
     * @param port              the port, {@code 0} for any free one
     */
    public static LoopbackApnsServer start(final Path serverCertificate, final Path serverKey,
                                           final Path trustedClientCa, final int port)
            throws SSLException, InterruptedException {
        return start(serverCertificate, serverKey, trustedClientCa, port, null);
    }

    /** As {@link #start(Path, Path, Path, int)}, answering through {@code handlers} when not {@code null}. */
    public static LoopbackApnsServer start(final Path serverCertificate, final Path serverKey,
                                           final Path trustedClientCa, final int port,
                                           final PushNotificationHandlerFactory handlers)
            throws SSLException, InterruptedException {
        final Map<String, Set<String>> tokensByTopic = new ConcurrentHashMap<>();
        final Map<String, Instant> unregistered = new ConcurrentHashMap<>();
        final List<ReceivedPush> received = new CopyOnWriteArrayList<>();
        // Our own event loop, shut down without Netty's default 2 s quiet period.
        final EventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("mock-apns", true));
        final MockApnsServer server = new MockApnsServerBuilder()
                .setEventLoopGroup(eventLoop)
                .setServerCredentials(serverCertificate.toFile(), serverKey.toFile(), null)
                .setTrustedClientCertificateChain(trustedClientCa.toFile())
                .setHandlerFactory(handlers != null ? handlers
                        : new ValidatingPushNotificationHandlerFactory(tokensByTopic, unregistered, null, null))
                .setListener(new RecordingListener(received))
                .build();
        try {
            final int bound = server.start(port).get(10, TimeUnit.SECONDS);
            return new LoopbackApnsServer(server, eventLoop, bound, tokensByTopic, unregistered, received);
        } catch (final ExecutionException | TimeoutException e) {
            server.shutdown();
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("mock APNs server did not start on port " + port + ": " + e.getMessage(),
                    e);
        }
    }

    public int port() {
        return port;
    }

    /** Lets {@code token} receive pushes for {@code topic}. */
    public void allow(final String topic, final String token) {
        tokensByTopic.computeIfAbsent(topic, t -> ConcurrentHashMap.newKeySet()).add(token);
    }

    /** Answers 410 Unregistered for {@code token} from now on, with {@code since} as the invalidation time. */
    public void unregister(final String token, final Instant since) {
        unregistered.put(token, since);
    }

    /** Undoes {@link #unregister}: {@code token} is valid again. */
    public void reinstate(final String token) {
        unregistered.remove(token);
    }

    /** Every request seen so far, accepted or not, in arrival order. */
    public List<ReceivedPush> received() {
        return List.copyOf(received);
    }

    /** The requests seen for one device token. */
    public List<ReceivedPush> receivedFor(final String token) {
        return received.stream().filter(push -> push.token().equals(token)).toList();
    }

    @Override
    public void close() {
        try {
            server.shutdown().get(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("mock APNs server did not shut down: " + e.getMessage(), e);
        } finally {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Records requests from their raw headers, so absent headers stay absent. */
    private static final class RecordingListener implements MockApnsServerListener {
        private static final String PATH_PREFIX = "/3/device/";
        private final List<ReceivedPush> received;

        RecordingListener(final List<ReceivedPush> received) {
            this.received = received;
        }

        @Override
        public void handlePushNotificationAccepted(final Http2Headers headers, final ByteBuf payload) {
            record(headers, payload, null);
        }

        @Override
        public void handlePushNotificationRejected(final Http2Headers headers, final ByteBuf payload,
                                                   final RejectionReason rejectionReason,
                                                   final Instant deviceTokenExpirationTimestamp) {
            record(headers, payload, appleName(rejectionReason));
        }

        private void record(final Http2Headers headers, final ByteBuf payload, final String reason) {
            final String path = Objects.toString(headers.path(), "");
            final String token = path.startsWith(PATH_PREFIX) ? path.substring(PATH_PREFIX.length()) : path;
            final CharSequence expiration = headers.get("apns-expiration");
            received.add(new ReceivedPush(token, string(headers.get("apns-topic")),
                    string(headers.get("apns-push-type")), string(headers.get("apns-priority")),
                    expiration != null ? Instant.ofEpochSecond(Long.parseLong(expiration.toString())) : null,
                    payload != null ? payload.toString(StandardCharsets.UTF_8) : null, reason, Instant.now()));
        }

        /** {@code DEVICE_TOKEN_NOT_FOR_TOPIC} to Apple's {@code DeviceTokenNotForTopic}. */
        private static String appleName(final RejectionReason reason) {
            final StringBuilder name = new StringBuilder();
            for (final String word : reason.name().split("_")) {
                name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
            }
            return name.toString();
        }

        private static String string(final CharSequence value) {
            return value != null ? value.toString() : null;
        }

        @Override
        public String toString() {
            return "RecordingListener[" + received.size() + " pushes, last to "
                    + (received.isEmpty() ? "-" : DeviceTokens.mask(received.get(received.size() - 1).token())) + "]";
        }
    }
}
