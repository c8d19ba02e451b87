package org.mailpush.server.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.mailpush.pusher.PushListener;
import org.mailpush.pusher.PushResult;
import org.mailpush.store.PushTarget;

import java.time.Duration;
import java.util.Objects;

/**
 * Counts and times every push as it ends: accepted, rejected by Apple's reason, or failed (no final answer:
 * retries exhausted, expired, credential disabled, no credential for the topic), each labelled with the
 * {@code kind} of push (mail, calendar, contacts); the latency from taking in the event to Apple's final answer,
 * per kind.
 * And the two parts of it, apart: from the event to the push's request leaving
 * ({@code mailpush_push_dispatch_latency}, labelled {@code coalescing="none"} for a push sent at once,
 * {@code "waited"} for one that waited on purpose for a coalescing window or a change delay), so the pipeline's
 * own delay can be read without the deliberate one; and every HTTP/2 request's round trip to Apple's answer
 * ({@code mailpush_apns_round_trip}) and status. Feeds the status page's history. Thread-safe and quick, as
 * {@link PushListener} requires.
 */
public final class PushMetrics implements PushListener {

    /** Buckets that bracket a push: loopback milliseconds up to retries over a minute. */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final PushHistory history;
    /** Event to final answer, one timer per kind: a DAV push waits its coalescing delay on purpose, mail does not. */
    private final java.util.Map<PushTarget.Kind, Timer> eventToAnswer = new java.util.EnumMap<>(PushTarget.Kind.class);
    private final Timer dispatchedAtOnce;
    private final Timer dispatchedAfterWaiting;
    private final Timer roundTrip;

    public PushMetrics(final MeterRegistry registry, final PushHistory history) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.history = Objects.requireNonNull(history, "history");
        for (final PushTarget.Kind kind : PushTarget.Kind.values()) {
            eventToAnswer.put(kind, Timer.builder("mailpush_push_latency")
                    .description("from taking in the earliest event a push covers to APNs' final answer")
                    .tag("kind", kind.label())
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .publishPercentiles(0.5, 0.9, 0.99)
                    .register(registry));
        }
        this.dispatchedAtOnce = dispatch(registry, "none");
        this.dispatchedAfterWaiting = dispatch(registry, "waited");
        this.roundTrip = Timer.builder("mailpush_apns_round_trip")
                .description("one HTTP/2 request to APNs, sent to answered")
                .serviceLevelObjectives(FAST_BUCKETS)
                .publishPercentiles(0.5, 0.99, 0.999)
                .register(registry);
    }

    /** Finer buckets for the parts of a push: a pipeline step or a loopback round trip takes well under 5 ms. */
    private static final Duration[] FAST_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private static Timer dispatch(final MeterRegistry registry, final String coalescing) {
        return Timer.builder("mailpush_push_dispatch_latency")
                .description("from taking in the earliest event a push covers to its first request leaving;"
                        + " coalescing=waited when it waited on purpose (a window, a change delay)")
                .tag("coalescing", coalescing)
                .serviceLevelObjectives(FAST_BUCKETS)
                .publishPercentiles(0.5, 0.99, 0.999)
                .register(registry);
    }

    /** Event to first request, for pushes sent at once ({@code waited=false}) or after a deliberate wait. */
    public Timer dispatchLatency(final boolean waited) {
        return waited ? dispatchedAfterWaiting : dispatchedAtOnce;
    }

    /** Request to APNs' answer, every request. */
    public Timer roundTrip() {
        return roundTrip;
    }

    @Override
    public void requestSent(final Duration sinceEvent, final boolean waited) {
        dispatchLatency(waited).record(sinceEvent);
    }

    /** The event-to-answer timer of mail pushes (the status page reads its percentiles). */
    public Timer latency() {
        return latency(PushTarget.Kind.MAIL);
    }

    /** The event-to-answer timer of one kind of push. */
    public Timer latency(final PushTarget.Kind kind) {
        return eventToAnswer.get(kind);
    }

    @Override
    public void pushCompleted(final PushResult result) {
        final String kind = result.kind().label();
        if (result.accepted()) {
            registry.counter("mailpush_pushes_accepted", "kind", kind).increment();
            history.accepted();
        } else if (result.status() != 0) {
            registry.counter("mailpush_pushes_rejected", "kind", kind, "reason", result.reason() != null
                    ? result.reason() : "HTTP " + result.status()).increment();
            history.rejected(result.target().deviceToken(), result.status(), result.reason());
        } else {
            final String reason = result.reason() != null ? result.reason().replaceAll(":.*", "")
                    : result.failure() != null ? result.failure().getClass().getSimpleName() : "NoAnswer";
            registry.counter("mailpush_pushes_failed", "kind", kind, "reason", reason).increment();
            history.failed(result.target().deviceToken(), reason);
        }
        if (result.sinceEvent() != null) {
            latency(result.kind()).record(result.sinceEvent());
        }
    }

    @Override
    public void attemptAnswered(final int status, final Duration roundTrip) {
        final String label = status == 0 ? "none" : String.valueOf(status);
        registry.counter("mailpush_apns_responses", "status", label).increment();
        this.roundTrip.record(roundTrip);
    }
}
