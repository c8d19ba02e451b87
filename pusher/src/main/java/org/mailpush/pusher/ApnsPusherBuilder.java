package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CertificateCredential;
import org.mailpush.pusher.credentials.TokenKeyCredential;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.RegistrationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Builds an {@link ApnsPusher} ({@link ApnsPusher#builder()}). Every setting is validated in {@link #build()}, which
 * loads each credential once and builds its Pushy client (clients connect on the first push); delivery settings left
 * unset take {@link DeliverySettings}'s defaults and ranges.
 *
 * <p>Threading: not thread-safe; configure and build on one thread. Lifecycle: {@link #build()} starts the pusher's
 * threads ({@code apns-io}, {@code apns-results}, {@code pusher-timers} unless {@link #time} gives the timers) and
 * schedules the credential file checks; if it throws, what it had started is stopped again.</p>
 */
public final class ApnsPusherBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ApnsPusherBuilder.class);

    private String host;
    private int port = 443;
    private Path trustedServerCertificates;
    private final List<CredentialSource> credentials = new ArrayList<>();
    private RegistrationStore registrations;
    private DavSubscriptionStore subscriptions;
    private PrioritySettings priority = PrioritySettings.DEFAULTS;
    private Clock clock = Clock.systemUTC();
    private PushListener listener = PushListener.NONE;
    // Delivery settings left null take DeliverySettings's defaults, and build() checks them there: one place.
    private Integer maxPending;
    private Integer maxInFlight;
    private Duration newMailWindow;
    private Duration changeDelay;
    private Duration davChangeDelay;
    private Duration expiration;
    private DeliverySettings.Retry retry;
    private DeliverySettings.CircuitBreaker circuitBreaker;
    private Duration reloadInterval;
    private Duration shutdownTimeout;
    private java.util.function.LongSupplier ticker = System::nanoTime;
    private ScheduledExecutorService scheduler;
    private java.util.function.DoubleSupplier jitter = Math::random;
    private Duration connectTimeout = Duration.ofSeconds(10);

    ApnsPusherBuilder() {
    }

    /**
     * Sends to this host and port for every credential (a test server). Without it each credential goes to its
     * own environment's gateway ({@link CredentialSource#apnsHost()}, production by default) on port 443.
     */
    public ApnsPusherBuilder apnsServer(final String apnsHost, final int apnsPort) {
        this.host = apnsHost;
        this.port = apnsPort;
        return this;
    }

    /** Trust this PEM CA chain instead of the system roots (for a test server). */
    public ApnsPusherBuilder trustedServerCertificates(final Path pemFile) {
        this.trustedServerCertificates = pemFile;
        return this;
    }

    /** Adds a credential that never changes. The first credential added serves the default topic. */
    public ApnsPusherBuilder credential(final ApnsCredential credential) {
        return credential(CredentialSource.fixed(Objects.requireNonNull(credential, "credential")));
    }

    /** Adds a credential that is loaded again when its files change. */
    public ApnsPusherBuilder credential(final CredentialSource source) {
        this.credentials.add(Objects.requireNonNull(source, "source"));
        return this;
    }

    /** Where registrations that APNs invalidates are removed. */
    public ApnsPusherBuilder registrations(final RegistrationStore store) {
        this.registrations = store;
        return this;
    }

    /**
     * Where calendar and contacts subscriptions that APNs invalidates are removed. Without it (a mail-only site)
     * such a subscription is kept, with a warning.
     */
    public ApnsPusherBuilder subscriptions(final DavSubscriptionStore store) {
        this.subscriptions = store;
        return this;
    }

    /**
     * The {@code apns-priority} of each kind of push (an {@code apns.priority} section's); default 10 for mail, 5 for
     * calendar and contacts ({@link PrioritySettings} says why).
     */
    public ApnsPusherBuilder priority(final PrioritySettings priorities) {
        this.priority = Objects.requireNonNull(priorities, "priorities");
        return this;
    }

    /**
     * Every delivery setting at once (an {@code apns:} section's); a setter called after this one overrides its
     * value.
     */
    public ApnsPusherBuilder delivery(final DeliverySettings settings) {
        this.maxPending = settings.maxPending();
        this.maxInFlight = settings.maxInFlight();
        this.newMailWindow = settings.newMailWindow();
        this.changeDelay = settings.changeDelay();
        this.davChangeDelay = settings.davChangeDelay();
        this.expiration = settings.expiration();
        this.retry = settings.retry();
        this.circuitBreaker = settings.circuitBreaker();
        this.reloadInterval = settings.reloadInterval();
        this.shutdownTimeout = settings.shutdownTimeout();
        return this;
    }

    /** How long APNs keeps trying to deliver, and how long mailpush retries; default 24 hours. */
    public ApnsPusherBuilder expiration(final Duration pushExpiration) {
        this.expiration = pushExpiration;
        return this;
    }

    /**
     * The time the pusher runs on, for tests that drive it: {@code nanoTime} stands for
     * {@link System#nanoTime()} (coalescing windows, latencies), {@code timers} runs windows, back-offs and the
     * breaker's wake-ups (shut down with the pusher). Give the same time to {@link #clock} (expiry, the circuit
     * breaker). Default: the system's, and a timer thread of the pusher's own.
     */
    public ApnsPusherBuilder time(final java.util.function.LongSupplier nanoTime,
                                  final ScheduledExecutorService timers) {
        this.ticker = Objects.requireNonNull(nanoTime, "nanoTime");
        this.scheduler = Objects.requireNonNull(timers, "timers");
        return this;
    }

    /**
     * Where the retry's jitter and the spreading of pushes released by a closing breaker come from: uniform in
     * [0, 1), {@link Math#random()} by default; 0.5 means no jitter. For tests that must count exactly.
     */
    ApnsPusherBuilder jitter(final java.util.function.DoubleSupplier random) {
        this.jitter = Objects.requireNonNull(random, "random");
        return this;
    }

    public ApnsPusherBuilder clock(final Clock pushClock) {
        this.clock = pushClock;
        return this;
    }

    public ApnsPusherBuilder listener(final PushListener pushListener) {
        this.listener = pushListener;
        return this;
    }

    /** Devices with a push pending at most; beyond, new requests are shed (counted). Default 100,000. */
    public ApnsPusherBuilder maxPending(final int devices) {
        this.maxPending = devices;
        return this;
    }

    /** Requests in flight per credential at most. Default 1,000. */
    public ApnsPusherBuilder maxInFlight(final int requests) {
        this.maxInFlight = requests;
        return this;
    }

    /** At most one new-mail push per device per window; default 1 s. */
    public ApnsPusherBuilder newMailWindow(final Duration window) {
        this.newMailWindow = window;
        return this;
    }

    /** How long a push for read/flag/expunge changes waits, coalescing; default 30 s. */
    public ApnsPusherBuilder changeDelay(final Duration delay) {
        this.changeDelay = delay;
        return this;
    }

    /**
     * How long a push for a calendar or address book change waits, coalescing the events of one DAV write and of
     * changes soon after; default 3 s (Apple CalendarServer's {@code CoalesceSeconds}).
     */
    public ApnsPusherBuilder davChangeDelay(final Duration delay) {
        this.davChangeDelay = delay;
        return this;
    }

    /**
     * Retries of retryable failures (429, 5xx, Shutdown, transport failure): at most {@code attempts} requests
     * per push, exponential back-off from {@code initial} doubling up to {@code max}, with ±50% jitter, and never
     * past the push's expiry. Default 12 attempts, 1 s, 5 min.
     */
    public ApnsPusherBuilder retry(final int attempts, final Duration initial, final Duration max) {
        this.retry = new DeliverySettings.Retry(attempts, initial, max);
        return this;
    }

    /**
     * The per-credential circuit breaker: it opens when at least {@code failureRatePercent} of the last
     * {@code window} requests (once {@code minimumCalls} were made) failed retryably, and holds requests back
     * (queued, no attempt spent) for {@code openFor} the first time; each time it opens again while APNs keeps
     * failing, for a quarter of the time it has failed so far (at least {@code openFor}, at most the retry's
     * {@code max}), then lets three through to probe. So after an outage of D, pushes flow again at most
     * max({@code openFor}, D/4) after APNs answers. Default 50%, 20, 10, 1 s.
     */
    public ApnsPusherBuilder circuitBreaker(final int failureRatePercent, final int window, final int minimumCalls,
                                  final Duration openFor) {
        this.circuitBreaker = new DeliverySettings.CircuitBreaker(failureRatePercent, window, minimumCalls,
                openFor);
        return this;
    }

    /** How often credential files are checked for changes; default 10 s, {@link Duration#ZERO} for never. */
    public ApnsPusherBuilder reloadInterval(final Duration interval) {
        this.reloadInterval = interval;
        return this;
    }

    /** How long {@link ApnsPusher#close()} waits for deliveries to finish; default 10 s. */
    public ApnsPusherBuilder shutdownTimeout(final Duration timeout) {
        this.shutdownTimeout = timeout;
        return this;
    }

    /** How long connecting to APNs may take; default 10 s. */
    public ApnsPusherBuilder connectTimeout(final Duration timeout) {
        this.connectTimeout = timeout;
        return this;
    }

    /**
     * @throws IllegalArgumentException when a setting is out of range
     *                                  ({@link org.mailpush.common.settings.SettingException}, naming its key) or no
     *                                  credential is given
     * @throws IOException              when a credential does not load or its TLS context cannot be made
     */
    public ApnsPusher build() throws IOException {
        Objects.requireNonNull(registrations, "registrations");
        if (credentials.isEmpty()) {
            throw new IllegalArgumentException("at least one APNs credential is needed");
        }
        if (host != null && (host.isBlank() || port < 1 || port > 65535)) {
            throw new IllegalArgumentException("APNs server must be a host and a port in 1..65535");
        }
        final DeliverySettings delivery = new DeliverySettings(maxPending, maxInFlight, newMailWindow,
                changeDelay, davChangeDelay, expiration, retry, circuitBreaker, reloadInterval, shutdownTimeout);
        final DeliverySettings.Retry retrying = delivery.retry();
        final DeliverySettings.CircuitBreaker breaking = delivery.circuitBreaker();

        final RetryConfig retryConfig = RetryConfig.<Attempt>custom()
                .maxAttempts(retrying.maxAttempts())
                .intervalFunction(backoff(retrying.initialBackoff(), retrying.maxBackoff(), jitter))
                .retryOnResult(attempt -> attempt.verdict() == ApnsVerdict.RETRYABLE)
                .build();

        // One I/O thread serves every APNs connection: HTTP/2 multiplexes, and the work per push is small.
        final EventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("apns-io", true));
        final ScheduledExecutorService timers = scheduler != null ? scheduler
                : Executors.newSingleThreadScheduledExecutor(daemon("pusher-timers"));
        final ExecutorService results = Executors.newSingleThreadExecutor(daemon("apns-results"));
        final List<CredentialSlot> slots = new ArrayList<>();
        final CredentialReloader.ClientFactory clientFactory = (credential, apnsHost) ->
                client(credential, apnsHost, eventLoop);
        try {
            for (final CredentialSource source : credentials) {
                final ApnsCredential credential;
                try {
                    credential = source.load();
                } catch (final IOException | RuntimeException e) {
                    throw e;
                } catch (final Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
                for (final CredentialSlot other : slots) {
                    if (other.topic().equals(credential.topic())) {
                        throw new IllegalArgumentException("two credentials for topic " + credential.topic()
                                + ": " + other.credential().source() + " and " + credential.source());
                    }
                }
                final String apnsHost = host != null ? host
                        : source.apnsHost() != null ? source.apnsHost() : "api.push.apple.com";
                // No event consumers: with one, Resilience4j builds an event object for every call.
                final OpenPeriods openPeriods = new OpenPeriods(breaking.openFor(), retrying.maxBackoff(), clock);
                final CircuitBreaker breaker = CircuitBreaker.of("apns-" + credential.topic(),
                        breakerConfig(breaking, openPeriods));
                slots.add(new CredentialSlot(source, credential, clientFactory.create(credential, apnsHost),
                        apnsHost, delivery.maxInFlight(), breaker, openPeriods,
                        Retry.of("apns-" + credential.topic(), retryConfig)));
            }
        } catch (final IOException | RuntimeException e) {
            slots.forEach(slot -> slot.client().close());
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            timers.shutdownNow();
            results.shutdownNow();
            throw e;
        }
        final PusherCounters counters = new PusherCounters();
        final DeliveryEngine engine = new DeliveryEngine(
                new PushCoalescer(delivery.newMailWindow().toNanos(), delivery.changeDelay().toNanos(),
                        delivery.davChangeDelay().toNanos(), delivery.maxPending()), slots, registrations,
                subscriptions, priority, delivery.expiration(), clock, listener, counters, timers, results, ticker,
                jitter);
        final Duration reloadEvery = delivery.reloadInterval();
        if (!reloadEvery.isZero()) {
            final CredentialReloader reloader = new CredentialReloader(engine, clientFactory);
            timers.scheduleWithFixedDelay(() -> {
                try {
                    reloader.check();
                } catch (final RuntimeException e) {
                    LOG.error("Credential reload check failed", e);
                }
            }, reloadEvery.toMillis(), reloadEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new ApnsPusher(engine, counters, eventLoop, timers, results, delivery.shutdownTimeout(), ticker);
    }

    /**
     * Resilience4j's exponential random back-off ({@code IntervalFunction.ofExponentialRandomBackoff(initial,
     * 2.0, 0.5, max)}: doubling from {@code initial}, ±50%, at most {@code max}), drawing from {@code random}
     * instead of {@link Math#random()}.
     */
    private static IntervalFunction backoff(final Duration initial, final Duration max,
                                            final java.util.function.DoubleSupplier random) {
        final IntervalFunction doubling = IntervalFunction.ofExponentialBackoff(initial, 2.0);
        return attempt -> {
            final double interval = doubling.apply(attempt);
            final double randomized = interval * 0.5 + random.getAsDouble() * (interval + 1);
            return Math.min(Math.max(1, (long) randomized), max.toMillis());
        };
    }

    /**
     * Opens when {@code failureRate} percent of the last {@code window} requests failed retryably; stays
     * open for {@link OpenPeriods} (short at first, longer the longer APNs fails); half open, three probes.
     */
    private CircuitBreakerConfig breakerConfig(final DeliverySettings.CircuitBreaker settings,
                                               final OpenPeriods openPeriods) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(Math.min(settings.minimumCalls(), settings.window()))
                .failureRateThreshold(settings.failureRate())
                .waitIntervalFunctionInOpenState(openPeriods.intervalFunction())
                .permittedNumberOfCallsInHalfOpenState(BreakerGate.PROBES)
                .clock(clock)
                .build();
    }

    private ApnsClient client(final ApnsCredential credential, final String apnsHost,
                              final EventLoopGroup eventLoop) throws IOException {
        final ApnsClientBuilder builder = new ApnsClientBuilder()
                .setApnsServer(apnsHost, host != null ? port : 443)
                .setEventLoopGroup(eventLoop)
                .setConnectionTimeout(connectTimeout);
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

    private static java.util.concurrent.ThreadFactory daemon(final String name) {
        return runnable -> {
            final Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
