package org.mailpush.pusher;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;

/**
 * What each credential's circuit breaker does to the deliveries waiting for it: open, it holds them in their queue
 * (no attempt spent) and sets a wake-up for when it lets probes through; a probe that fails goes back to the head of
 * the queue, again spending nothing; closing, it releases the pushes backing off. It also records each answer with
 * the breaker and logs the breaker's transitions.
 *
 * <p>Threading: {@link #letsThrough}, {@link #probing} and {@link #wakeUpWhenOpenEnds} are called with the engine's
 * lock held; {@link #record} and {@link #holdAfterProbe} where answers are handled, without it. Wake-ups run on the
 * {@code pusher-timers} thread. Lifecycle: the engine's; its timers stop with the pusher's.</p>
 */
final class BreakerGate {

    private static final Logger LOG = LoggerFactory.getLogger(BreakerGate.class);

    /** Requests a half-open breaker lets through to probe (its {@code permittedNumberOfCallsInHalfOpenState}). */
    static final int PROBES = 3;

    private final DeliveryEngine engine;
    private final ReentrantLock lock;
    private final PusherCounters counters;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    /** Uniform in [0, 1): spreads the pushes a closing breaker releases. */
    private final DoubleSupplier jitter;

    BreakerGate(final DeliveryEngine engine, final ReentrantLock lock, final PusherCounters counters,
                final ScheduledExecutorService timers, final Clock clock, final DoubleSupplier jitter) {
        this.engine = engine;
        this.lock = lock;
        this.counters = counters;
        this.timers = timers;
        this.clock = clock;
        this.jitter = jitter;
    }

    /**
     * Under the lock: whether the next delivery from {@code slot}'s ready queue may go now (taking the breaker's
     * permission for it). When the breaker refuses, a wake-up is set for when it lets a probe through.
     */
    boolean letsThrough(final CredentialSlot slot) {
        if (slot.usable() && !slot.breaker.tryAcquirePermission()) {
            wakeUpWhenOpenEnds(slot);
            return false;
        }
        return true;
    }

    /** Under the lock: whether a request that goes now is one of the half-open breaker's probes. */
    boolean probing(final CredentialSlot slot) {
        return slot.breaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    /**
     * The breaker is open with deliveries waiting (queued, or backing off): pump again when its open period ends.
     * If none is queued by then, the first of those backing off go early, as the probes: else nothing would tell
     * the breaker that APNs is back until a back-off ran out, minutes later.
     */
    void wakeUpWhenOpenEnds(final CredentialSlot slot) {
        if (slot.wakeUp != null || slot.breaker.getState() != CircuitBreaker.State.OPEN
                || slot.ready.isEmpty() && slot.backingOff.isEmpty()) {
            return; // set already; half open, where the probes' answers pump; or nothing waits
        }
        counters.circuitOpenRefusals.add(slot.ready.size());
        final long delay = Math.max(1, slot.openPeriods.openUntil() - clock.millis() + 1);
        slot.wakeUp = timers.schedule(() -> engine.pumpAfter(() -> {
            slot.wakeUp = null;
            if (slot.ready.isEmpty()) {
                slot.backingOff.stream()
                        .sorted(Comparator.comparingLong(d -> d.backOff.getDelay(TimeUnit.NANOSECONDS)))
                        .limit(PROBES).toList()
                        .forEach(probe -> {
                            probe.backOff.cancel(false);
                            probe.backOff = null;
                            slot.backingOff.remove(probe);
                            engine.enqueue(probe);
                        });
            }
        }), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * A probe failed retryably (APNs still down; the breaker is open again): back to the head of the queue, held
     * until the next probe, spending none of its attempts, so that an outage of any length costs a push nothing
     * but its expiry.
     */
    void holdAfterProbe(final Delivery delivery) {
        engine.pumpAfter(() -> {
            delivery.probe = false;
            engine.backFromFlight(delivery);
            delivery.slot.ready.addFirst(delivery);
        });
    }

    /** Tells the breaker how a request that was sent ended (a retryable failure counts against APNs), and logs. */
    void record(final CredentialSlot slot, final Attempt attempt) {
        final long nanos = attempt.roundTrip().toNanos();
        if (attempt.verdict() == ApnsVerdict.RETRYABLE) {
            slot.breaker.onError(nanos, TimeUnit.NANOSECONDS, new ApnsUnavailableException(attempt));
        } else {
            slot.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        }
        logBreakerTransition(slot);
    }

    private void logBreakerTransition(final CredentialSlot slot) {
        final CircuitBreaker.State changed = slot.stateChange();
        if (changed == CircuitBreaker.State.OPEN) {
            LOG.warn("Circuit breaker for topic {} opened: APNs failing ({}% of recent requests); requests pause for"
                    + " {} ms, then a few probe", slot.topic(), Math.round(slot.breaker.getMetrics().getFailureRate()),
                    Math.max(0, slot.openPeriods.openUntil() - clock.millis()));
        } else if (changed == CircuitBreaker.State.CLOSED) {
            LOG.info("Circuit breaker for topic {} closed: APNs answers again", slot.topic());
            releaseBackingOff(slot);
        } else if (changed != null) {
            LOG.info("Circuit breaker for topic {} is {}", slot.topic(), changed);
        }
    }

    /**
     * The breaker closed: APNs answers again. What backs off after failing meanwhile goes now, each within a second
     * (at random, so they do not all arrive in one instant), bounded by the in-flight limit as ever.
     */
    private void releaseBackingOff(final CredentialSlot slot) {
        lock.lock();
        try {
            for (final Delivery delivery : List.copyOf(slot.backingOff)) {
                if (delivery.backOff.getDelay(TimeUnit.MILLISECONDS) > 1_000) {
                    delivery.backOff.cancel(false);
                    delivery.backOff = timers.schedule(() -> engine.requeue(delivery),
                            (long) (jitter.getAsDouble() * 1_000), TimeUnit.MILLISECONDS);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Recorded by the circuit breaker as a failure: APNs did not serve the request. */
    static final class ApnsUnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        ApnsUnavailableException(final Attempt attempt) {
            super(attempt.failure() != null ? attempt.failure().toString() : attempt.status() + " " + attempt.reason(),
                    null, false, false);
        }
    }
}
