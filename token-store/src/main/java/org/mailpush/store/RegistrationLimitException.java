package org.mailpush.store;

/**
 * A new device was refused because its user already has the most registrations the store allows
 * ({@code store.max-devices-per-user}). Not a store failure: the store answered, and said no. Existing devices that
 * register again are never refused.
 */
public final class RegistrationLimitException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String username;
    private final int limit;

    public RegistrationLimitException(final String username, final int limit) {
        super("user " + username + " already has " + limit + " registered devices, the most allowed"
                + " (store.max-devices-per-user); remove old ones with 'mailpush tokens revoke'");
        this.username = username;
        this.limit = limit;
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
