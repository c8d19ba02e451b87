package org.mailpush.pusher;

import org.mailpush.common.mail.DeviceTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends a delivery again after a failed attempt: asks its credential's Resilience4j retry policy for the back-off
 * (exponential, with jitter, a bounded number of attempts), gives up when the policy or the push's expiry says no
 * more, and keeps the delivery among its credential's {@code backingOff} until the back-off timer queues it again
 * (a closing breaker may release it earlier: {@link BreakerGate}).
 *
 * <p>Threading: called where answers are handled (Pushy's I/O thread, or {@code apns-results}), without the engine's
 * lock; it takes the lock for the bookkeeping, and back-offs run on the {@code pusher-timers} thread. Lifecycle: the
 * engine's.</p>
 */
final class RetryScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(RetryScheduler.class);

    private final DeliveryEngine engine;
    private final BreakerGate gate;
    private final PusherCounters counters;
    private final ScheduledExecutorService timers;
    private final Clock clock;

    RetryScheduler(final DeliveryEngine engine, final BreakerGate gate, final PusherCounters counters,
                   final ScheduledExecutorService timers, final Clock clock) {
        this.engine = engine;
        this.gate = gate;
        this.counters = counters;
        this.timers = timers;
        this.clock = clock;
    }

    /**
     * Retries {@code delivery} after the back-off its retry policy gives for {@code attempt}, if that is within the
     * push's expiry.
     *
     * @return {@code false} when it gave up (logged): the caller finishes the delivery with {@code attempt}
     */
    boolean retryOrGiveUp(final Delivery delivery, final Attempt attempt) {
        if (delivery.retry == null) {
            // Created at the first failure only: most pushes never need one, and the I/O thread is the hot path.
            delivery.retry = delivery.slot.retry.asyncContext();
        }
        final long delay = delivery.retry.onResult(attempt);
        if (delay >= 0 && clock.instant().plusMillis(delay).isBefore(delivery.expiresAt)) {
            retry(delivery, delay);
            return true;
        }
        LOG.warn("Gave up the {} push to {} of {} after {} attempt(s): {}", delivery.target.kind().label(),
                DeviceTokens.mask(delivery.target.deviceToken()), delivery.target.owner(), delivery.attempts,
                attempt.failure() != null ? attempt.failure().toString() : attempt.status() + " " + attempt.reason());
        return false;
    }

    /** Sends {@code delivery} again in {@code delayMillis}, from the timer thread. */
    void retry(final Delivery delivery, final long delayMillis) {
        counters.retried.increment();
        engine.pumpAfter(() -> {
            engine.backFromFlight(delivery);
            // Set under the lock, before anything else runs: a breaker that closes meanwhile finds it.
            delivery.slot.backingOff.add(delivery);
            delivery.backOff = timers.schedule(() -> engine.requeue(delivery), delayMillis, TimeUnit.MILLISECONDS);
            // A failure that opened the breaker with nothing queued (all backing off) sets no wake-up in pumpAll:
            // set it here, so that probes go when the open period ends, not when the first back-off does.
            gate.wakeUpWhenOpenEnds(delivery.slot);
        });
    }
}
