package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CertificateCredential;
import org.mailpush.pusher.credentials.TokenKeyCredential;
import org.mailpush.store.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Sends mail pushes to APNs through Pushy, one HTTP/2 client per credential (topic), and acts on Apple's answer:
 * a token Apple calls invalid loses its registration.
 *
 * <p>Threading: {@link #push} may be called from any thread and never blocks; Pushy does the I/O on its event loop
 * and the answer is handled (store updates, listener) on one result thread, so the event loop never waits for the
 * database. Lifecycle: build with {@link #builder()}, {@link #close()} when done; pushes after close fail.</p>
 */
public final class ApnsPusher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApnsPusher.class);

    private final Map<String, ApnsClient> clientsByTopic;
    private final String defaultTopic;
    private final TokenStore registrations;
    private final Duration expiration;
    private final Clock clock;
    private final PushListener listener;
    private final ExecutorService results;
    private final EventLoopGroup eventLoop;

    private ApnsPusher(final Map<String, ApnsClient> clientsByTopic, final String defaultTopic,
                       final TokenStore registrations, final Duration expiration, final Clock clock,
                       final PushListener listener, final EventLoopGroup eventLoop) {
        this.eventLoop = eventLoop;
        this.clientsByTopic = clientsByTopic;
        this.defaultTopic = defaultTopic;
        this.registrations = registrations;
        this.expiration = expiration;
        this.clock = clock;
        this.listener = listener;
        this.results = Executors.newSingleThreadExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "apns-results");
            thread.setDaemon(true);
            return thread;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The topic used for registrations that name none, and answered to devices that register. */
    public String defaultTopic() {
        return defaultTopic;
    }

    /**
     * Tells the device of {@code registration} to check its account now.
     *
     * @return completes with the outcome when APNs answered or the connection failed; never completes exceptionally
     */
    public CompletableFuture<PushResult> push(final Registration registration) {
        final String topic = registration.topic() != null && clientsByTopic.containsKey(registration.topic())
                ? registration.topic() : defaultTopic;
        final ApnsClient client = clientsByTopic.get(topic);
        final Instant sentAt = clock.instant();
        final long started = System.nanoTime();
        final SimpleApnsPushNotification notification = new SimpleApnsPushNotification(registration.deviceToken(),
                topic, MailPayload.forAccount(registration.accountId()), sentAt.plus(expiration), null,
                PushType.BACKGROUND, null, null);
        return client.sendNotification(notification)
                .handleAsync((response, error) -> complete(registration, sentAt, started, response, error), results);
    }

    private PushResult complete(final Registration registration, final Instant sentAt, final long started,
                                final PushNotificationResponse<SimpleApnsPushNotification> response,
                                final Throwable error) {
        final Duration roundTrip = Duration.ofNanos(System.nanoTime() - started);
        final PushResult result;
        if (error != null) {
            result = new PushResult(registration, ApnsVerdict.RETRYABLE, 0, null, null, error, false, roundTrip);
            LOG.warn("Push to {} of {} failed without an answer: {}", DeviceTokens.mask(registration.deviceToken()),
                    registration.username(), error.toString());
        } else {
            final String reason = response.getRejectionReason().orElse(null);
            final ApnsVerdict verdict = ResponsePolicy.classify(response.getStatusCode(), reason);
            final Instant invalidatedAt = response.getTokenInvalidationTimestamp().orElse(null);
            boolean removed = false;
            if (verdict == ApnsVerdict.TOKEN_INVALID) {
                removed = remove(registration, reason, invalidatedAt != null ? invalidatedAt : sentAt);
            } else if (verdict != ApnsVerdict.ACCEPTED) {
                LOG.warn("APNs refused the push to {} of {}: {} {} ({})", DeviceTokens.mask(registration.deviceToken()),
                        registration.username(), response.getStatusCode(), reason, verdict);
            } else {
                LOG.debug("APNs accepted the push to {} of {}", DeviceTokens.mask(registration.deviceToken()),
                        registration.username());
            }
            result = new PushResult(registration, verdict, response.getStatusCode(), reason, invalidatedAt, null,
                    removed, roundTrip);
        }
        try {
            listener.pushCompleted(result);
        } catch (final RuntimeException e) {
            LOG.warn("Push listener failed", e);
        }
        return result;
    }

    private boolean remove(final Registration registration, final String reason, final Instant invalidatedAt) {
        try {
            final boolean removed = registrations.removeUnlessRegisteredAfter(registration.key(), invalidatedAt);
            if (removed) {
                LOG.info("Removed device {} of {}: APNs says {}", DeviceTokens.mask(registration.deviceToken()),
                        registration.username(), reason);
            } else {
                LOG.info("Kept device {} of {} despite APNs {}: it re-registered after {}",
                        DeviceTokens.mask(registration.deviceToken()), registration.username(), reason, invalidatedAt);
            }
            return removed;
        } catch (final TokenStoreException e) {
            LOG.error("Could not remove device {} of {} after APNs {}: {}",
                    DeviceTokens.mask(registration.deviceToken()), registration.username(), reason, e.getMessage());
            return false;
        }
    }

    /** Closes the APNs connections (letting in-flight requests finish) and the result thread. */
    @Override
    public void close() {
        final List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (final ApnsClient client : clientsByTopic.values()) {
            closing.add(client.close());
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (final Exception e) {
            LOG.warn("APNs clients did not close cleanly: {}", e.toString());
        }
        // No quiet period: the clients are closed, nothing can still be scheduled that matters.
        eventLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        results.shutdown();
        try {
            results.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Builds an {@link ApnsPusher}. Everything is validated in {@link #build()}, which also builds the Pushy clients
     * (they connect on the first push).
     */
    public static final class Builder {
        private String host = "api.push.apple.com";
        private int port = 443;
        private Path trustedServerCertificates;
        private final List<ApnsCredential> credentials = new ArrayList<>();
        private TokenStore registrations;
        private Duration expiration = Duration.ofHours(24);
        private Clock clock = Clock.systemUTC();
        private PushListener listener = PushListener.NONE;

        private Builder() {
        }

        /** APNs host and port; default {@code api.push.apple.com:443}. */
        public Builder apnsServer(final String apnsHost, final int apnsPort) {
            this.host = apnsHost;
            this.port = apnsPort;
            return this;
        }

        /** Trust this PEM CA chain instead of the system roots (for a test server). */
        public Builder trustedServerCertificates(final Path pemFile) {
            this.trustedServerCertificates = pemFile;
            return this;
        }

        /** Adds a credential; the first one added is the default topic. One credential per topic. */
        public Builder credential(final ApnsCredential credential) {
            this.credentials.add(Objects.requireNonNull(credential, "credential"));
            return this;
        }

        /** Where registrations that APNs invalidates are removed. */
        public Builder registrations(final TokenStore store) {
            this.registrations = store;
            return this;
        }

        /** How long APNs keeps trying to deliver; default 24 hours. */
        public Builder expiration(final Duration pushExpiration) {
            this.expiration = pushExpiration;
            return this;
        }

        public Builder clock(final Clock pushClock) {
            this.clock = pushClock;
            return this;
        }

        public Builder listener(final PushListener pushListener) {
            this.listener = pushListener;
            return this;
        }

        /**
         * @throws IllegalArgumentException when no credential is given, two share a topic, or a setting is out of
         *                                  range
         * @throws SSLException             when a TLS context cannot be made from a credential or the trust file
         */
        public ApnsPusher build() throws SSLException {
            Objects.requireNonNull(registrations, "registrations");
            if (credentials.isEmpty()) {
                throw new IllegalArgumentException("at least one APNs credential is needed");
            }
            if (host == null || host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("APNs server must be a host and a port in 1..65535");
            }
            if (expiration.isNegative() || expiration.compareTo(Duration.ofDays(30)) > 0) {
                throw new IllegalArgumentException("expiration must be between 0 and 30 days");
            }
            final Map<String, ApnsClient> clients = new LinkedHashMap<>();
            // One I/O thread serves every APNs connection: HTTP/2 multiplexes, and the work per push is small.
            final EventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("apns-io", true));
            try {
                for (final ApnsCredential credential : credentials) {
                    if (clients.containsKey(credential.topic())) {
                        throw new IllegalArgumentException("two credentials for topic " + credential.topic() + ": "
                                + credential.source() + " and another");
                    }
                    clients.put(credential.topic(), client(credential, eventLoop));
                }
            } catch (final SSLException | RuntimeException e) {
                clients.values().forEach(ApnsClient::close);
                eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
            return new ApnsPusher(clients, credentials.get(0).topic(), registrations, expiration, clock, listener,
                    eventLoop);
        }

        private ApnsClient client(final ApnsCredential credential, final EventLoopGroup eventLoop)
                throws SSLException {
            final ApnsClientBuilder builder = new ApnsClientBuilder().setApnsServer(host, port)
                    .setEventLoopGroup(eventLoop);
            if (trustedServerCertificates != null) {
                builder.setTrustedServerCertificateChain(trustedServerCertificates.toFile());
            }
            if (credential instanceof CertificateCredential certificate) {
                builder.setClientCredentials(certificate.certificate(), certificate.privateKey(), null);
            } else if (credential instanceof TokenKeyCredential tokenKey) {
                builder.setSigningKey(tokenKey.signingKey());
            }
            return builder.build();
        }
    }
}
