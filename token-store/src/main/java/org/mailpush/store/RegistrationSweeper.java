package org.mailpush.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes registrations not renewed for {@code expireAfter} (30 days by default; phones re-register at least daily)
 * and DAV subscriptions past their expiry (a device refreshes its subscription within the {@code expiry} Cyrus gave,
 * a day on 3.6), every {@code interval}, on its own daemon thread. Several processes sweeping one database is
 * harmless: the deletes are idempotent.
 */
public final class RegistrationSweeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationSweeper.class);

    /** What one sweep removed. */
    public record Swept(int registrations, int subscriptions) {
    }

    private final RegistrationStore store;
    private final DavSubscriptionStore subscriptions;
    private final Duration expireAfter;
    private final Clock clock;
    private final ScheduledExecutorService executor;

    private RegistrationSweeper(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                                final Duration expireAfter, final Clock clock,
                                final ScheduledExecutorService executor) {
        this.store = store;
        this.subscriptions = subscriptions;
        this.expireAfter = expireAfter;
        this.clock = clock;
        this.executor = executor;
    }

    /** Starts sweeping both: first after {@code interval}, then every {@code interval}. */
    public static RegistrationSweeper start(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                                            final Duration expireAfter, final Duration interval, final Clock clock) {
        return start(store, subscriptions, expireAfter, interval, clock,
                Executors.newSingleThreadScheduledExecutor(runnable -> {
                    final Thread thread = new Thread(runnable, "registration-sweeper");
                    thread.setDaemon(true);
                    return thread;
                }));
    }

    /** As the public {@code start}, on {@code executor} (which {@link #close} shuts down): tests pass a manual one. */
    static RegistrationSweeper start(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                                     final Duration expireAfter, final Duration interval, final Clock clock,
                                     final ScheduledExecutorService executor) {
        if (expireAfter.isNegative() || expireAfter.isZero() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("expireAfter and interval must be positive");
        }
        final RegistrationSweeper sweeper = new RegistrationSweeper(store, subscriptions, expireAfter, clock,
                executor);
        sweeper.executor.scheduleWithFixedDelay(sweeper::sweep, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return sweeper;
    }

    /**
     * Sweeps once now, at the clock's instant; returns what expired. Failures are logged, not thrown; one table's
     * failure does not keep the other from being swept.
     */
    public Swept sweep() {
        final Instant now = clock.instant();
        int registrations = 0;
        try {
            registrations = store.expireRegisteredBefore(now.minus(expireAfter));
            if (registrations > 0) {
                LOG.info("Expired {} registration(s) not renewed for {} days", registrations, expireAfter.toDays());
            }
        } catch (final TokenStoreException e) {
            LOG.warn("Registration sweep failed, will try again: {}", e.getMessage());
        }
        int expired = 0;
        try {
            expired = subscriptions.expireSubscriptions(now);
            if (expired > 0) {
                LOG.info("Expired {} DAV subscription(s) not refreshed before their expiry", expired);
            }
        } catch (final TokenStoreException e) {
            LOG.warn("DAV subscription sweep failed, will try again: {}", e.getMessage());
        }
        return new Swept(registrations, expired);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
