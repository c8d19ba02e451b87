package org.mailpush.store;

/**
 * A new device was refused because its user already has the most registrations the store allows
 * ({@code store.max-devices-per-user}), or a new DAV subscription because its subscriber already has the most
 * subscriptions allowed ({@code store.max-subscriptions-per-user}, {@link #ofSubscriptions}). Not a store failure:
 * the store answered, and said no. Existing devices that register again, and existing subscriptions refreshed, are
 * never refused.
 */
public final class RegistrationLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String username;
    private final int limit;

    public RegistrationLimitException(final String username, final int limit) {
        this(username, limit, "user " + username + " already has " + limit + " registered devices, the most allowed"
                + " (store.max-devices-per-user); remove old ones with 'mailpush tokens revoke'");
    }

    private RegistrationLimitException(final String username, final int limit, final String message) {
        super(message);
        this.username = username;
        this.limit = limit;
    }

    /** A new DAV subscription refused: {@code subscriber} has {@code limit} already. */
    public static RegistrationLimitException ofSubscriptions(final String subscriber, final int limit) {
        return new RegistrationLimitException(subscriber, limit, "user " + subscriber + " already has " + limit
                + " DAV subscriptions, the most allowed (store.max-subscriptions-per-user); remove old ones with"
                + " 'mailpush tokens revoke'");
    }

    public String username() {
        return username;
    }

    public int limit() {
        return limit;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
