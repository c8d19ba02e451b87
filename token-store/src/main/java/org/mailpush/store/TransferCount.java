package org.mailpush.store;

/**
 * How many of each kind of push target a backup, restore, export or import moved ({@link TokenStore#exportAll},
 * {@link TokenStore#importAll}). Immutable.
 *
 * @param registrations mail registrations
 * @param subscriptions DAV subscriptions
 */
public record TransferCount(long registrations, long subscriptions) {

    /** Both together. */
    public long total() {
        return registrations + subscriptions;
    }
}
