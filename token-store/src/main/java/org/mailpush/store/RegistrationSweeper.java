package org.mailpush.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Removes registrations not renewed for {@code expireAfter} (30 days by default; phones re-register at least daily),
 * every {@code interval}, on its own daemon thread. Several processes sweeping one database is harmless: the
 * delete is idempotent.
 */
public final class RegistrationSweeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationSweeper.class);

    private final RegistrationStore store;
    private final Duration expireAfter;
    private final Clock clock;
    private final ScheduledExecutorService executor;

    private RegistrationSweeper(final RegistrationStore store, final Duration expireAfter, final Clock clock) {
        this.store = store;
        this.expireAfter = expireAfter;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "registration-sweeper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts sweeping: first after {@code interval}, then every {@code interval}. */
    public static RegistrationSweeper start(final RegistrationStore store, final Duration expireAfter,
                                            final Duration interval, final Clock clock) {
        if (expireAfter.isNegative() || expireAfter.isZero() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("expireAfter and interval must be positive");
        }
        final RegistrationSweeper sweeper = new RegistrationSweeper(store, expireAfter, clock);
        sweeper.executor.scheduleWithFixedDelay(sweeper::sweep, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return sweeper;
    }

    /** Sweeps once now; returns how many registrations expired. Failures are logged, not thrown. */
    public int sweep() {
        try {
            final int expired = store.expireRegisteredBefore(clock.instant().minus(expireAfter));
            if (expired > 0) {
                LOG.info("Expired {} registration(s) not renewed for {} days", expired, expireAfter.toDays());
            }
            return expired;
        } catch (final TokenStoreException e) {
            LOG.warn("Registration sweep failed, will try again: {}", e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
