package org.mailpush.pusher;

import org.mailpush.common.settings.SettingException;

import java.time.Duration;

import static org.mailpush.common.settings.Settings.inRange;
import static org.mailpush.common.settings.Settings.orDefault;

/**
 * How delivery behaves, the tunables under {@code apns:}: the one place their defaults and ranges are written. A
 * value left out ({@code null}) takes its default, and {@link ApnsPusherBuilder} validates what it is given by
 * making one of these. The defaults suit a site of any size. Immutable.
 *
 * @param maxPending      devices with a push pending at most; beyond, new requests are shed (counted); about 200
 *                        bytes each when full
 * @param maxInFlight     requests in flight per credential at most
 * @param newMailWindow   at most one new-mail push per device per window
 * @param changeDelay     how long a push for read, flag and expunge changes waits, coalescing
 * @param davChangeDelay  how long a push for a calendar or address book change waits, coalescing the two or three
 *                        events one DAV write makes (Apple's CalendarServer waits its {@code CoalesceSeconds}, 3 s)
 * @param expiration      how long APNs keeps trying to deliver, and how long mailpush retries
 * @param retry           retries of retryable failures
 * @param circuitBreaker  the per-credential circuit breaker
 * @param reloadInterval  how often credential files are checked for changes, {@code 0s} for never
 * @param shutdownTimeout how long closing waits for deliveries to finish
 */
public record DeliverySettings(Integer maxPending, Integer maxInFlight, Duration newMailWindow, Duration changeDelay,
                               Duration davChangeDelay, Duration expiration, Retry retry, CircuitBreaker circuitBreaker,
                               Duration reloadInterval, Duration shutdownTimeout) {

    /** Every value at its default. */
    public static final DeliverySettings DEFAULTS = new DeliverySettings(null, null, null, null, null, null, null,
            null, null, null);

    public DeliverySettings {
        maxPending = inRange("max-pending", maxPending, 100_000, 1, 10_000_000);
        maxInFlight = inRange("max-in-flight", maxInFlight, 1_000, 1, 100_000);
        newMailWindow = inRange("new-mail-window", newMailWindow, Duration.ofSeconds(1), Duration.ZERO,
                Duration.ofMinutes(10));
        changeDelay = inRange("change-delay", changeDelay, Duration.ofSeconds(30), Duration.ZERO,
                Duration.ofHours(1));
        davChangeDelay = inRange("dav-change-delay", davChangeDelay, Duration.ofSeconds(3), Duration.ZERO,
                Duration.ofMinutes(10));
        expiration = inRange("expiration", expiration, Duration.ofHours(24), Duration.ZERO, Duration.ofDays(30));
        retry = orDefault(retry, Retry.DEFAULTS);
        circuitBreaker = orDefault(circuitBreaker, CircuitBreaker.DEFAULTS);
        reloadInterval = inRange("reload-interval", reloadInterval, Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofDays(1));
        shutdownTimeout = inRange("shutdown-timeout", shutdownTimeout, Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofMinutes(10));
    }

    /**
     * {@code retry:} at most {@code maxAttempts} requests per push for retryable failures (429, 5xx, Shutdown,
     * transport failure), exponential back-off from {@code initialBackoff} doubling up to {@code maxBackoff}, with
     * ±50% jitter, and never past the push's expiry.
     */
    public record Retry(Integer maxAttempts, Duration initialBackoff, Duration maxBackoff) {

        /** Every value at its default. */
        public static final Retry DEFAULTS = new Retry(null, null, null);

        public Retry {
            maxAttempts = inRange("max-attempts", maxAttempts, 12, 1, 100);
            initialBackoff = inRange("initial-backoff", initialBackoff, Duration.ofSeconds(1), Duration.ofMillis(1),
                    Duration.ofHours(1));
            maxBackoff = inRange("max-backoff", maxBackoff, Duration.ofMinutes(5), Duration.ofMillis(1),
                    Duration.ofHours(6));
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new SettingException("max-backoff", "must be at least initial-backoff");
            }
        }
    }

    /**
     * {@code circuit-breaker:} it opens when at least {@code failureRate} percent of the last {@code window}
     * requests (once {@code minimumCalls} were made) failed retryably, and holds requests back (queued, no attempt
     * spent) for {@code openFor} the first time; each time it opens again while APNs keeps failing, for a quarter
     * of the time it has failed so far (at least {@code openFor}, at most the retry's {@code max-backoff}), then
     * lets three through to probe.
     */
    public record CircuitBreaker(Integer failureRate, Integer window, Integer minimumCalls, Duration openFor) {

        /** Every value at its default. */
        public static final CircuitBreaker DEFAULTS = new CircuitBreaker(null, null, null, null);

        public CircuitBreaker {
            failureRate = inRange("failure-rate", failureRate, 50, 1, 100);
            window = inRange("window", window, 20, 1, 10_000);
            minimumCalls = inRange("minimum-calls", minimumCalls, 10, 1, 10_000);
            openFor = inRange("open-for", openFor, Duration.ofSeconds(1), Duration.ofMillis(1), Duration.ofHours(1));
        }
    }
}
