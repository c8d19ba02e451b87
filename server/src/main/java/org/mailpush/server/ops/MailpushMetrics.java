package org.mailpush.server.ops;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.mailpush.imap.proxy.ProxyCounters;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.CredentialStatus;
import org.mailpush.pusher.PusherCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * mailpush's metrics in one Prometheus registry, served at {@code /metrics}: the counters the parts keep
 * themselves (pusher, router, IMAP proxy) bound as functions, so the hot paths pay nothing for metrics; the
 * intake, push and store metrics recorded by {@link IntakeMetrics}, {@link PushMetrics} and
 * {@link MeteredRegistrationStore}; each credential's circuit breaker and expiry; JVM
 * and process basics. Names follow Prometheus conventions: {@code mailpush_} prefix, base units, {@code _total}
 * for counters.
 *
 * <p>Lifecycle: created first, parts bound as they start, {@link #close()} last. The registration count is read
 * from the store every {@link #COUNT_INTERVAL} on a thread of its own, so a scrape never waits for the
 * database.</p>
 */
public final class MailpushMetrics implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailpushMetrics.class);
    static final Duration COUNT_INTERVAL = Duration.ofSeconds(15);
    /** How often the shared push queue is counted for its gauges. */
    static final Duration QUEUE_INTERVAL = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final PushHistory history;
    private final PushMetrics pushes;
    private volatile MeteredRegistrationStore store;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        final Thread thread = new Thread(runnable, "metrics-refresh");
        thread.setDaemon(true);
        return thread;
    });
    private final Clock clock;
    private final java.util.List<Object> strongly = new java.util.concurrent.CopyOnWriteArrayList<>();

    public MailpushMetrics(final Clock clock) {
        this.clock = clock;
        this.history = new PushHistory(clock);
        this.pushes = new PushMetrics(registry, history);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public PushMetrics pushes() {
        return pushes;
    }

    public PushHistory history() {
        return history;
    }

    /** The number of registrations as the metrics last knew it, {@code -1} before the first count. */
    public long registrations() {
        return store == null ? -1 : store.registrations();
    }

    /** Exposes the number of registrations, recounted every {@link #COUNT_INTERVAL} on a thread of its own. */
    public void bindStore(final MeteredRegistrationStore metered) {
        this.store = metered;
        Gauge.builder("mailpush_registrations", metered, MeteredRegistrationStore::registrations)
                .description("registered devices (recounted every " + COUNT_INTERVAL.toSeconds() + " s)")
                .register(registry);
        metered.recount();
        refresher.scheduleWithFixedDelay(metered::recount, COUNT_INTERVAL.toMillis(), COUNT_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public void bindPusher(final ApnsPusher pusher) {
        final PusherCounters counters = pusher.counters();
        counter("mailpush_push_requests", "push requests offered to the pusher (one per device per event)", counters,
                PusherCounters::submitted);
        counter("mailpush_pushes_coalesced", "push requests covered by a push already pending", counters,
                PusherCounters::coalesced);
        counter("mailpush_pushes_shed", "push requests refused: too many devices pending, or shutting down", counters,
                PusherCounters::shed);
        counter("mailpush_apns_requests", "HTTP/2 requests sent to APNs, retries included", counters,
                PusherCounters::requests);
        counter("mailpush_pushes_retried", "attempts scheduled again after a retryable failure", counters,
                PusherCounters::retried);
        counter("mailpush_apns_transport_failures", "attempts that got no answer from APNs", counters,
                PusherCounters::transportFailures);
        counter("mailpush_circuit_open_refusals", "attempts not sent because the circuit breaker was open", counters,
                PusherCounters::circuitOpenRefusals);
        Gauge.builder("mailpush_pushes_pending", pusher, ApnsPusher::pending)
                .description("devices with a push waiting (queued, in flight, or held for coalescing)")
                .register(registry);
        Gauge.builder("mailpush_apns_in_flight", pusher, ApnsPusher::inFlight)
                .description("requests sent to APNs and not yet answered").register(registry);
        // The breakers are the pusher's own (one per credential, not from a Resilience4j registry), so they are
        // exposed here rather than through resilience4j-micrometer's registry binding.
        for (final CircuitBreaker breaker : pusher.circuitBreakers()) {
            for (final CircuitBreaker.State state : List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN,
                    CircuitBreaker.State.HALF_OPEN)) {
                Gauge.builder("mailpush_circuit_breaker_state", breaker, b -> b.getState() == state ? 1 : 0)
                        .description("1 for the state the credential's circuit breaker is in")
                        .tag("credential", breaker.getName()).tag("state", state.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
            Gauge.builder("mailpush_circuit_breaker_failure_rate", breaker, b -> b.getMetrics().getFailureRate())
                    .description("percent of recent APNs calls that failed (-1 until enough calls)")
                    .tag("credential", breaker.getName()).register(registry);
        }
        for (final CredentialStatus credential : pusher.credentials()) {
            final String topic = credential.topic();
            Gauge.builder("mailpush_credential_expires_in_seconds", pusher, p -> expiresIn(p, topic))
                    .description("seconds until the credential expires (negative: expired; token keys: absent)")
                    .tag("topic", topic).baseUnit("seconds").register(registry);
            Gauge.builder("mailpush_credential_usable", pusher, p -> usable(p, topic))
                    .description("1 while the credential can push: not refused by APNs, not expired")
                    .tag("topic", topic).register(registry);
        }
    }

    private double expiresIn(final ApnsPusher pusher, final String topic) {
        for (final CredentialStatus credential : pusher.credentials()) {
            if (credential.topic().equals(topic) && credential.notAfter().isPresent()) {
                return Duration.between(clock.instant(), credential.notAfter().get()).toSeconds();
            }
        }
        return Double.NaN;
    }

    private double usable(final ApnsPusher pusher, final String topic) {
        for (final CredentialStatus credential : pusher.credentials()) {
            if (credential.topic().equals(topic)) {
                final boolean expired = credential.notAfter().map(clock.instant()::isAfter).orElse(false);
                return credential.usable() && !expired ? 1 : 0;
            }
        }
        return 0;
    }

    public void bindRouter(final EventRouter router) {
        Gauge.builder("mailpush_routing_queue_depth", router, EventRouter::queued)
                .description("events waiting for routing, both lanes (bounded; beyond it events are shed)")
                .register(registry);
        Gauge.builder("mailpush_routing_queued", router, EventRouter::mailQueued).tag("lane", "mail")
                .description("events waiting for routing in one lane (routing.max-queued-mail,"
                        + " routing.max-queued-registrations)").register(registry);
        Gauge.builder("mailpush_routing_queued", router, EventRouter::registrationsQueued).tag("lane", "registrations")
                .description("events waiting for routing in one lane (routing.max-queued-mail,"
                        + " routing.max-queued-registrations)").register(registry);
        for (final org.mailpush.notifyd.route.RouteOutcome outcome : org.mailpush.notifyd.route.RouteOutcome.values()) {
            io.micrometer.core.instrument.FunctionCounter.builder("mailpush_events_routed", router,
                            r -> r.routed(outcome))
                    .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                    .description("events routing finished with, by outcome (dispatched: pushes handed to the pusher;"
                            + " unknown_user: the owner has no device)")
                    .register(registry);
        }
    }

    public void bindImapProxy(final ProxyCounters counters) {
        Gauge.builder("mailpush_imap_proxy_sessions_open", counters, ProxyCounters::openSessions)
                .description("IMAP proxy sessions open now").register(registry);
        counter("mailpush_imap_proxy_sessions", "IMAP proxy sessions accepted", counters, ProxyCounters::sessions);
        counter("mailpush_imap_proxy_registrations", "XAPPLEPUSHSERVICE registrations taken by the proxy",
                counters, ProxyCounters::registrations);
        counter("mailpush_imap_proxy_registrations_refused", "XAPPLEPUSHSERVICE registrations refused", counters,
                ProxyCounters::refusedRegistrations);
        counter("mailpush_imap_proxy_clients_refused", "connections refused at the connection limit, or closed for a"
                + " line or literal over the limit", counters, ProxyCounters::refusedClients);
        counter("mailpush_imap_proxy_clients_refused_for_address", "connections refused: their address had its"
                + " share of the connections (imap-proxy.max-connections-per-address)", counters,
                ProxyCounters::refusedForAddress);
        counter("mailpush_imap_proxy_login_timeouts", "sessions closed for not logging in within"
                + " imap-proxy.login-timeout", counters, ProxyCounters::loginTimeouts);
        counter("mailpush_imap_proxy_compressed_sessions", "sessions whose phone leg the proxy compresses"
                + " (COMPRESS=DEFLATE)", counters, ProxyCounters::compressedSessions);
        counter("mailpush_imap_proxy_protocol_violations", "commands refused as no real client sends them: a tag in"
                + " use, a malformed tag, a second login, bytes after STARTTLS, anything but DONE in IDLE", counters,
                ProxyCounters::protocolViolations);
    }

    /**
     * The shared push queue as a whole (every process of a split install shows the same): rows queued, rows held
     * under a live lease, and the age of the oldest queued event, from one query every {@link #QUEUE_INTERVAL}.
     */
    public void bindPushQueue(final java.util.function.Supplier<org.mailpush.store.QueueStats> stats) {
        final QueueStatsSampler sampler = new QueueStatsSampler(stats, clock);
        sampler.refresh();
        refresher.scheduleWithFixedDelay(sampler::refresh, QUEUE_INTERVAL.toMillis(), QUEUE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        Gauge.builder("mailpush_push_queue_depth", sampler, QueueStatsSampler::depth).strongReference(true)
                .description("push targets queued in the token store for the pusher processes, claimed or not")
                .register(registry);
        Gauge.builder("mailpush_push_queue_claimed", sampler, QueueStatsSampler::claimed).strongReference(true)
                .description("queued push targets held by a pusher under a lease that has not expired")
                .register(registry);
        Gauge.builder("mailpush_push_queue_oldest_seconds", sampler, QueueStatsSampler::oldestSeconds)
                .strongReference(true)
                .description("age of the oldest event still queued (0 when the queue is empty)").register(registry);
    }

    /** The intake side's writes into the shared push queue. */
    public void bindPushQueueIntake(final LongSupplier estimate, final LongSupplier shed, final LongSupplier written,
                                    final LongSupplier lost) {
        Gauge.builder("mailpush_push_queue_depth_estimate", estimate, LongSupplier::getAsLong).strongReference(true)
                .description("the queue's depth as this intake checks store.max-queued-pushes against: recounted"
                        + " every second, plus its own writes since")
                .register(registry);
        counter("mailpush_push_queue_shed", "pushes shed because the queue held store.max-queued-pushes", shed,
                LongSupplier::getAsLong);
        counter("mailpush_push_queue_written", "pushes this intake committed to the queue (merged into a queued row"
                + " or a new row)", written, LongSupplier::getAsLong);
        counter("mailpush_push_queue_lost", "pushes given up on at shutdown because the store could not take them",
                lost, LongSupplier::getAsLong);
    }

    /** A pusher process's claims on the shared push queue. */
    public void bindPushQueueClaimer(final java.util.function.IntSupplier held, final LongSupplier claims,
                                     final LongSupplier leaseExpiries, final LongSupplier redeliveries) {
        Gauge.builder("mailpush_push_queue_held", held, java.util.function.IntSupplier::getAsInt).strongReference(true)
                .description("queued rows this pusher holds: claimed, not yet settled").register(registry);
        counter("mailpush_push_queue_claims", "queued rows this pusher claimed", claims, LongSupplier::getAsLong);
        counter("mailpush_push_queue_lease_expiries", "rows this pusher took from another whose lease had expired"
                + " (a pusher died or stalled)", leaseExpiries, LongSupplier::getAsLong);
        counter("mailpush_push_queue_redeliveries", "rows claimed that an earlier claim left without a final answer:"
                + " their device may be pushed twice", redeliveries, LongSupplier::getAsLong);
    }

    /** An HTTP intake listener ({@code intake} or {@code xapsd}): its connections and its connection limit. */
    public void bindHttpIntake(final String door, final HttpIntakeServer server) {
        Gauge.builder("mailpush_intake_connections_open", server, HttpIntakeServer::openConnections)
                .tag("door", door).description("connections open now on an HTTP intake listener")
                .register(registry);
        FunctionCounter.builder("mailpush_intake_connections_refused", server, HttpIntakeServer::refusedConnections)
                .tag("door", door).description("connections closed at once at the listener's max-connections")
                .register(registry);
    }

    /**
     * A function counter reading {@code source}, which it holds: Micrometer refers to a function counter's source
     * weakly, so a method reference passed in would be collected and the counter read nothing.
     */
    private <T> void counter(final String name, final String description, final T source,
                             final ToDoubleFunction<T> value) {
        strongly.add(source);
        FunctionCounter.builder(name, source, value).description(description).register(registry);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        registry.close();
    }
}
