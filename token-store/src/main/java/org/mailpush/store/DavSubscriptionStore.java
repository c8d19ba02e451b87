package org.mailpush.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where DAV subscriptions live, beside the mail registrations: the router stores them from
 * {@code ApplePushServiceDAV} events and looks them up by collection, the pusher removes those APNs invalidated, the
 * sweeper expires them, admin commands list, revoke, back up and restore them.
 *
 * <p>Thread-safe, like {@link RegistrationStore}; several mailpush processes may share one database. Every method
 * either completes or throws {@link TokenStoreException}. Lifecycle: one job of a {@link TokenStore}, which is the one
 * to close.</p>
 */
public interface DavSubscriptionStore {

    /** What {@link #subscribe} did. */
    enum SubscribeOutcome {
        /** A new (device token, collection id) pair. */
        ADDED,
        /** An existing pair: push key, topic, kind, subscriber, last-subscribed and expiry replaced. */
        REFRESHED
    }

    /**
     * Stores a subscription or refreshes the one with the same {@link DavSubscriptionKey}: everything is replaced
     * except {@code firstSubscribed}. The subscriber is folded as usernames are ({@link UsernameFolding}).
     *
     * @throws RegistrationLimitException when the subscription is new and its subscriber already holds the most
     *                                    allowed ({@code store.max-subscriptions-per-user}); a refresh never is
     */
    SubscribeOutcome subscribe(DavSubscription subscription);

    /**
     * The subscriptions not expired at {@code now} of each collection in {@code collectionIds}, in as few round trips
     * as the store can: routing looks up the collections of a batch of events at once. Keyed by collection id as
     * passed; a collection without subscriptions maps to an empty list.
     */
    Map<String, List<DavSubscription>> subscriptionsOfCollections(Collection<String> collectionIds, Instant now);

    /** Every subscription (expired or not) made by {@code subscriber}, for admin commands. */
    List<DavSubscription> subscriptionsOf(String subscriber);

    /** The subscription with this key, if any (expired or not). */
    Optional<DavSubscription> findSubscription(DavSubscriptionKey key);

    /**
     * Removes the subscription because APNs said its token is no longer valid at {@code invalidatedAt}; one refreshed
     * after that instant is kept.
     *
     * @return whether a subscription was removed
     */
    boolean removeUnlessSubscribedAfter(DavSubscriptionKey key, Instant invalidatedAt);

    /**
     * Removes the subscriptions of {@code subscriber}, all of them or only those of one device.
     *
     * @param deviceToken the device, {@code null} for every device of the subscriber
     * @return how many were removed
     */
    int removeSubscriptions(String subscriber, String deviceToken);

    /**
     * Removes the subscriptions whose expiry is at or before {@code now}.
     *
     * @return how many were removed
     */
    int expireSubscriptions(Instant now);

    /** How many subscriptions there are. */
    long countSubscriptions();

    /** Hands every subscription to {@code sink}, in key order, from one consistent snapshot, streaming. */
    long exportSubscriptions(Consumer<DavSubscription> sink);

    /** Writes subscriptions from a backup or another store; see {@link RegistrationStore.ImportMode}. */
    long importSubscriptions(Iterable<DavSubscription> subscriptions, RegistrationStore.ImportMode mode);
}
