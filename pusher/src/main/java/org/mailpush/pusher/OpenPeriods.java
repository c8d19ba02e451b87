package org.mailpush.pusher;

import io.github.resilience4j.core.IntervalFunction;

import java.time.Clock;
import java.time.Duration;

/**
 * How long one credential's circuit breaker stays open each time it opens: short at first, then in proportion to how
 * long APNs has been failing, so that after an outage of D the breaker probes again at most max(first, D/4) after
 * APNs came back (every open period is at most a quarter of the time failing so far), capped by {@code max}.
 * Resilience4j asks it at each opening ({@link #intervalFunction()}, with the number of openings since the breaker
 * last closed); it remembers when the current period ends, for the engine's wake-up.
 *
 * <p>Thread-safe: Resilience4j calls it on whichever thread reports the result that opens the breaker.</p>
 */
final class OpenPeriods {

    private final long firstMillis;
    private final long maxMillis;
    private final Clock clock;
    private long failingSince;
    private volatile long openUntil;

    /**
     * @param first the first open period after the breaker was closed
     * @param max   the longest (the retry policy's longest back-off)
     * @param clock the breaker's clock
     */
    OpenPeriods(final Duration first, final Duration max, final Clock clock) {
        this.firstMillis = first.toMillis();
        this.maxMillis = Math.max(firstMillis, max.toMillis());
        this.clock = clock;
    }

    /** For {@code CircuitBreakerConfig.waitIntervalFunctionInOpenState}. */
    IntervalFunction intervalFunction() {
        return this::opened;
    }

    /** The breaker opens for the {@code attempt}-th time since it was last closed: how long, in milliseconds. */
    synchronized long opened(final int attempt) {
        final long now = clock.millis();
        if (attempt <= 1) {
            failingSince = now;
        }
        final long wait = Math.min(maxMillis, Math.max(firstMillis, (now - failingSince) / 4));
        openUntil = now + wait;
        return wait;
    }

    /** When the current open period ends, in the clock's milliseconds. */
    long openUntil() {
        return openUntil;
    }
}
