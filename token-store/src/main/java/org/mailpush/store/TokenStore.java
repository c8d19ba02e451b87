package org.mailpush.store;

/**
 * An open token store: one database doing two jobs, each behind its own interface, which is what callers depend
 * on: {@link #registrations()} (the router, the pusher, the sweeper, admin commands) and {@link #pushQueue()} (the
 * two processes of a split install).
 *
 * <p>Build one with {@link TokenStoreBuilder}; it owns the connection pool (and the routing cache's change
 * listener), so it is the one closed when the service stops, after the users of its jobs stopped. Thread-safe.</p>
 */
public final class TokenStore implements AutoCloseable {

    private final RegistrationStore registrations;
    private final PushQueue pushQueue;
    private final JdbiDatabase database;
    private final String description;
    private final AutoCloseable changeListener;

    /** @param changeListener what tells the routing cache of other processes' changes; {@code null} without one */
    TokenStore(final RegistrationStore registrations, final PushQueue pushQueue, final JdbiDatabase database,
               final String description, final AutoCloseable changeListener) {
        this.registrations = registrations;
        this.pushQueue = pushQueue;
        this.database = database;
        this.description = description;
        this.changeListener = changeListener;
    }

    /** The registrations, through the routing cache when it is on. */
    public RegistrationStore registrations() {
        return registrations;
    }

    /** The push queue of a split install. */
    public PushQueue pushQueue() {
        return pushQueue;
    }

    /** Whether the database answers now (a connection validity check, 2 s at most); never throws. */
    public boolean isReachable() {
        return database.isReachable();
    }

    /** The engine and location, without credentials, for messages. */
    public String describe() {
        return description;
    }

    /** The routing cache's change listener, {@code null} without a cache (for tests). */
    AutoCloseable changeListener() {
        return changeListener;
    }

    /** Stops listening for changes and closes the connection pool; both jobs fail from now on. */
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
