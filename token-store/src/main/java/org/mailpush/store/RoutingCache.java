package org.mailpush.store;

/**
 * A routing cache kept current by the database's change notifications ({@link PgChangeListener},
 * {@link H2ChangeTrigger}): the registrations by user ({@link CachingRegistrationStore}) and the DAV subscriptions by
 * collection ({@link CachingDavSubscriptionStore}). Implementations are thread-safe: notifications come on the
 * listener's thread, or on whichever thread ran the change on H2.
 */
interface RoutingCache {

    /** Another process changed the rows of this user (registrations) or collection (DAV subscriptions). */
    void invalidate(String changed);

    /** Changes may have been missed (the listening connection broke): forget everything. */
    void invalidateAll();
}
