package org.mailpush.store;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Listens on PostgreSQL's {@code mailpush_registrations} channel (fed by the trigger of migration V2) and drops the
 * changed user from the routing cache. It holds its own connection to the primary (NOTIFY is not replicated to
 * standbys); when that connection breaks (a failover), notifications may have been missed, so the whole cache is
 * emptied and the connection made again, with back-off.
 *
 * <p>Runs on its own daemon thread from {@link #start} until {@link #close}.</p>
 */
final class PgChangeListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgChangeListener.class);
    static final String CHANNEL = "mailpush_registrations";

    private final String url;
    private final Properties credentials;
    private final CachingRegistrationStore cache;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection connection;
    private volatile boolean listening;

    PgChangeListener(final String url, final String user, final String password, final CachingRegistrationStore cache) {
        this.url = url;
        this.credentials = new Properties();
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
        this.cache = cache;
        this.thread = new Thread(this::run, "store-notifications");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether it is connected and listening now (for tests and health). */
    boolean listening() {
        return listening;
    }

    private void run() {
        long backoffMillis = 200;
        while (running) {
            try (Connection conn = DriverManager.getConnection(url, credentials)) {
                connection = conn;
                try (Statement statement = conn.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                // Whatever changed while we were not listening is unknown: start from an empty cache.
                cache.invalidateAll();
                listening = true;
                backoffMillis = 200;
                final PGConnection pg = conn.unwrap(PGConnection.class);
                while (running) {
                    final PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications != null) {
                        for (final PGNotification notification : notifications) {
                            cache.invalidate(notification.getParameter());
                        }
                    }
                }
            } catch (final SQLException e) {
                listening = false;
                cache.invalidateAll();
                if (running) {
                    LOG.warn("Lost the store's change notifications ({}); routing cache emptied, reconnecting",
                            e.getMessage());
                    try {
                        Thread.sleep(backoffMillis);
                    } catch (final InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    backoffMillis = Math.min(backoffMillis * 2, 5_000);
                }
            } finally {
                listening = false;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        final Connection conn = connection;
        if (conn != null) {
            try {
                conn.close();
            } catch (final SQLException e) {
                // Already broken: nothing to do.
            }
        }
        try {
            thread.join(2_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
