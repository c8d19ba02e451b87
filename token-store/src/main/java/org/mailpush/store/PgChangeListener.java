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
 * changed user from the registrations' routing cache, and on {@code mailpush_dav_subscriptions} (migration V5) and
 * drops the changed collection from the DAV subscriptions' one (both only with the routing cache on); and on
 * {@code mailpush_push_queue} (migration V6_1), which wakes this process's queue claimer. It holds its own
 * connection to the primary (NOTIFY is not replicated to standbys); when that connection breaks (a failover),
 * notifications may have been missed, so both caches are emptied, the claimer woken, and the connection made
 * again, with back-off.
 *
 * <p>Runs on its own daemon thread from {@link #start} until {@link #close}.</p>
 */
final class PgChangeListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgChangeListener.class);
    static final String CHANNEL = "mailpush_registrations";
    static final String DAV_CHANNEL = "mailpush_dav_subscriptions";
    /** Pushes were queued (migration V6_1); the payload is empty. */
    static final String QUEUE_CHANNEL = "mailpush_push_queue";

    private final String url;
    private final Properties credentials;
    /** The cache each channel feeds. */
    private final java.util.Map<String, RoutingCache> caches;
    private final JdbiPushQueue queue;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection connection;
    private volatile boolean listening;

    PgChangeListener(final String url, final String user, final String password,
                     final CachingRegistrationStore registrations, final CachingDavSubscriptionStore subscriptions,
                     final JdbiPushQueue queue) {
        this.url = url;
        this.credentials = new Properties();
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
        this.caches = registrations == null ? java.util.Map.of()
                : java.util.Map.of(CHANNEL, registrations, DAV_CHANNEL, subscriptions);
        this.queue = queue;
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
                    for (final String channel : caches.keySet()) {
                        statement.execute("LISTEN " + channel);
                    }
                    statement.execute("LISTEN " + QUEUE_CHANNEL);
                }
                // Whatever changed while we were not listening is unknown: start from empty caches, and look for
                // pushes queued meanwhile.
                invalidateAll();
                queue.queuedElsewhere();
                listening = true;
                backoffMillis = 200;
                final PGConnection pg = conn.unwrap(PGConnection.class);
                while (running) {
                    final PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications != null) {
                        for (final PGNotification notification : notifications) {
                            if (QUEUE_CHANNEL.equals(notification.getName())) {
                                queue.queuedElsewhere();
                                continue;
                            }
                            final RoutingCache cache = caches.get(notification.getName());
                            if (cache != null) {
                                cache.invalidate(notification.getParameter());
                            }
                        }
                    }
                }
            } catch (final SQLException e) {
                listening = false;
                invalidateAll();
                if (running) {
                    LOG.warn("Lost the store's change notifications ({}); routing caches emptied, reconnecting",
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

    private void invalidateAll() {
        caches.values().forEach(RoutingCache::invalidateAll);
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
