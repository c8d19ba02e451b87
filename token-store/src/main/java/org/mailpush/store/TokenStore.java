package org.mailpush.store;

import java.util.List;
import java.util.function.Consumer;

/**
 * An open token store: one database doing three jobs, each behind its own interface, which is what callers depend
 * on: {@link #registrations()} (mail; the router, the pusher, the sweeper, admin commands), {@link #subscriptions()}
 * (CalDAV/CardDAV push, the same users) and {@link #pushQueue()} (the two processes of a split install); and, for
 * admin commands, the transfer of both kinds of push target at once ({@link #exportAll}, {@link #importAll}).
 *
 * <p>Build one with {@link TokenStoreBuilder}; it owns the connection pool (and the routing caches' change
 * listener), so it is the one closed when the service stops, after the users of its jobs stopped. Thread-safe.</p>
 */
public final class TokenStore implements AutoCloseable {

    private final RegistrationStore registrations;
    private final DavSubscriptionStore subscriptions;
    private final PushQueue pushQueue;
    private final JdbiTransfer transfer;
    private final List<RoutingCache> caches;
    private final JdbiDatabase database;
    private final String description;
    private final AutoCloseable changeListener;

    /**
     * @param caches         the routing caches among {@code registrations} and {@code subscriptions}, emptied after
     *                       an import through {@link #importAll}
     * @param changeListener what tells the routing caches of other processes' changes; {@code null} without one
     */
    TokenStore(final RegistrationStore registrations, final DavSubscriptionStore subscriptions,
               final PushQueue pushQueue, final JdbiTransfer transfer, final List<RoutingCache> caches,
               final JdbiDatabase database, final String description, final AutoCloseable changeListener) {
        this.registrations = registrations;
        this.subscriptions = subscriptions;
        this.pushQueue = pushQueue;
        this.transfer = transfer;
        this.caches = List.copyOf(caches);
        this.database = database;
        this.description = description;
        this.changeListener = changeListener;
    }

    /** The registrations, through the routing cache when it is on. */
    public RegistrationStore registrations() {
        return registrations;
    }

    /** The DAV subscriptions, through the routing cache by collection when it is on. */
    public DavSubscriptionStore subscriptions() {
        return subscriptions;
    }

    /** The push queue of a split install. */
    public PushQueue pushQueue() {
        return pushQueue;
    }

    /**
     * Hands every registration, then every DAV subscription, to {@code sink}, each in key order, from one
     * transaction (REPEATABLE READ); streaming, as {@link RegistrationStore#export} does.
     */
    public TransferCount exportAll(final Consumer<PushTarget> sink) {
        return transfer.exportAll(sink);
    }

    /**
     * Writes registrations and DAV subscriptions from a backup or another store, in whatever order they come.
     * {@link RegistrationStore.ImportMode#REPLACE} replaces both tables in one transaction: afterwards the store holds
     * exactly the input, and a failure (a damaged backup) leaves both as they were. {@link
     * RegistrationStore.ImportMode#MERGE} adds what is new and replaces what the input has more recently registered
     * or subscribed ({@code lastRegistered}, {@code lastSubscribed}). Imports are not limited per user.
     *
     * @return how many of each were written
     */
    public TransferCount importAll(final Iterable<? extends PushTarget> targets,
                                   final RegistrationStore.ImportMode mode) {
        try {
            return transfer.importAll(targets, mode);
        } finally {
            caches.forEach(RoutingCache::invalidateAll);
        }
    }

    /** Whether the database answers now (a connection validity check, 2 s at most); never throws. */
    public boolean isReachable() {
        return database.isReachable();
    }

    /** The engine and location, without credentials, for messages. */
    public String describe() {
        return description;
    }

    /** The routing caches' change listener, {@code null} without a cache (for tests). */
    AutoCloseable changeListener() {
        return changeListener;
    }

    /** Stops listening for changes and closes the connection pool; every job fails from now on. */
    @Override
    public void close() {
        if (changeListener != null) {
            try {
                changeListener.close();
            } catch (final Exception e) {
                // Closing a LISTEN connection that already broke: nothing left to release.
            }
        }
        database.close();
    }
}
