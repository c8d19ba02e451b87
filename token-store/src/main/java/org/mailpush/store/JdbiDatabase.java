package org.mailpush.store;

import com.zaxxer.hikari.HikariDataSource;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The database both jobs of the store share ({@link JdbiRegistrationStore}, {@link JdbiPushQueue}): the connection
 * pool, JDBI over it, and how an operation survives a failover. The same SQL runs on H2 and PostgreSQL.
 *
 * <p>Thread-safe: every operation borrows its own connection from the pool. When the database goes away (a
 * PostgreSQL primary stopped, a failover under way), an operation is tried again by a Resilience4j {@link Retry}
 * with back-off ({@link #BACKOFF}) until {@code failoverTimeout}; every operation is idempotent, so a retried write
 * whose first commit did in fact land does no harm. Any other failure fails at once.</p>
 */
final class JdbiDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(JdbiDatabase.class);

    /** The wait after the n-th failed attempt while the database is unreachable: 100 ms doubling to 2 s. */
    static final IntervalFunction BACKOFF =
            IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(2));

    private final DataSource dataSource;
    private final Runnable closePool;
    private final Jdbi jdbi;
    private final Duration failoverTimeout;
    private final Retry retry;

    JdbiDatabase(final HikariDataSource pool, final Duration failoverTimeout) {
        this(pool, pool::close, failoverTimeout);
    }

    /** @param closePool closes {@code dataSource} ({@link #close}) */
    JdbiDatabase(final DataSource dataSource, final Runnable closePool, final Duration failoverTimeout) {
        this.dataSource = dataSource;
        this.closePool = closePool;
        this.jdbi = Jdbi.create(dataSource);
        this.failoverTimeout = failoverTimeout;
        // Attempts are bounded by the failover timeout, which each operation keeps itself (run): the retry repeats
        // exactly the attempts that failed for want of a primary while there is still time to wait for one.
        this.retry = Retry.of("token-store", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(BACKOFF)
                .retryOnException(WaitingForPrimary.class::isInstance)
                .build());
        retry.getEventPublisher().onRetry(event -> {
            if (event.getNumberOfRetryAttempts() == 1) {
                LOG.warn("Token store unreachable ({}); retrying for up to {} s",
                        rootMessage(event.getLastThrowable()), failoverTimeout.toSeconds());
            }
        });
    }

    /**
     * Runs {@code work} with a connection; when the database is unreachable (failover, restart), waits and tries
     * again until {@link #failoverTimeout} has passed: a next attempt is made only if the wait before it ends within
     * the timeout.
     *
     * @param what what the work does, for the message of the {@link TokenStoreException} it fails with
     */
    <T> T run(final String what, final HandleCallback<T, RuntimeException> work) {
        final long deadline = System.nanoTime() + failoverTimeout.toNanos();
        final int[] attempts = {0};
        try {
            return retry.executeSupplier(() -> attempt(work, ++attempts[0], deadline));
        } catch (final WaitingForPrimary e) {
            // Only when the wait was interrupted: Retry then sets the interrupt flag and throws the last failure.
            throw new TokenStoreException("token store could not " + what + ": "
                    + (Thread.currentThread().isInterrupted() ? "interrupted" : rootMessage(e.getCause())),
                    e.getCause());
        } catch (final JdbiException e) {
            throw new TokenStoreException("token store could not " + what + ": " + rootMessage(e), e);
        }
    }

    /** One attempt; a connection failure with time left to wait comes out as {@link WaitingForPrimary}. */
    private <T> T attempt(final HandleCallback<T, RuntimeException> work, final int attempt, final long deadline) {
        try {
            return jdbi.withHandle(work);
        } catch (final JdbiException e) {
            if (isConnectionFailure(e) && System.nanoTime() + BACKOFF.apply(attempt) * 1_000_000 <= deadline) {
                throw new WaitingForPrimary(e);
            }
            throw e;
        }
    }

    /** A connection failure worth another attempt: the one failure {@link #retry} retries. */
    private static final class WaitingForPrimary extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WaitingForPrimary(final JdbiException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** Whether the database answers now; never throws. */
    boolean isReachable() {
        try (java.sql.Connection connection = dataSource.getConnection()) {
            return connection.isValid(2);
        } catch (final SQLException | RuntimeException e) {
            return false;
        }
    }

    void close() {
        closePool.run();
    }

    /**
     * Connection lost or refused, server shutting down, or a standby answering: worth waiting for a primary. Looks
     * through causes and suppressed exceptions: when a connection breaks inside a transaction, the rollback fails
     * too, and JDBI may report that second failure with the first one attached.
     */
    static boolean isConnectionFailure(final Throwable error) {
        return isConnectionFailure(error, 0);
    }

    private static boolean isConnectionFailure(final Throwable error, final int depth) {
        if (error == null || depth > 8) {
            return false;
        }
        if (error instanceof SQLTransientConnectionException) {
            return true;
        }
        if (error instanceof SQLException sql) {
            if (sql.getSQLState() == null && "Connection is closed".equals(sql.getMessage())) {
                // HikariCP's proxy for a connection it already found broken: no SQL state, just this message.
                return true;
            }
            final String state = sql.getSQLState();
            if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                    || state.equals("57P03") || state.equals("25006"))) {
                return true;
            }
        }
        for (final Throwable suppressed : error.getSuppressed()) {
            if (isConnectionFailure(suppressed, depth + 1)) {
                return true;
            }
        }
        return error.getCause() != error && isConnectionFailure(error.getCause(), depth + 1);
    }

    static String rootMessage(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** Whether {@code error} or one of its causes is an {@link SQLException} with this SQL state. */
    static boolean hasSqlState(final Throwable error, final String state) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Instants are stored to the microsecond (PostgreSQL's precision, on both engines). */
    static Instant micros(final Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    static OffsetDateTime utc(final Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant instant(final ResultSet rs, final String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }
}
