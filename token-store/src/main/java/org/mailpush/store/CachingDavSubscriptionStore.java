package org.mailpush.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Interner;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps each collection's DAV subscriptions in memory, so that routing a calendar or address-book change costs no
 * database round trip; a collection nobody subscribed to is cached too (as an empty list), which is the common case
 * for the change events of a site. A decorator of the subscriptions only: what it does not cache it passes on. The
 * same settings as {@link CachingRegistrationStore} ({@code store.cache-size} collections,
 * {@code store.cache-max-age}).
 *
 * <p>Correctness, as for the registrations: an entry is dropped after every write through this store (after the
 * commit) and when another process sharing the database changes that collection's rows ({@link #invalidate}, fed by
 * PostgreSQL's LISTEN/NOTIFY or H2's trigger, payload the collection id); {@link #invalidateAll} when notifications
 * may have been missed; entries expire after {@code maxAge} as the bound on staleness. A batch lookup loads what is
 * missing in one query and keeps it only if nothing was invalidated while the query ran. Expiry needs no
 * invalidation: a cached entry holds what was not expired when it was loaded, and every lookup drops from it what
 * has expired by the {@code now} it is given (so callers pass a clock that does not go back). Thread-safe.</p>
 */
final class CachingDavSubscriptionStore implements DavSubscriptionStore, RoutingCache {

    private final DavSubscriptionStore delegate;
    private final Cache<String, List<DavSubscription>> byCollection;
    private final Interner<String> strings = Interner.newWeakInterner();
    /** Counts invalidations, so that a batch load can tell whether one came while it read the database. */
    private final AtomicLong invalidations = new AtomicLong();

    CachingDavSubscriptionStore(final DavSubscriptionStore delegate, final long maxCollections,
                                final Duration maxAge) {
        this.delegate = delegate;
        this.byCollection = Caffeine.newBuilder().maximumSize(maxCollections).expireAfterWrite(maxAge)
                .recordStats().build();
    }

    /** Another process changed this collection's subscriptions. */
    @Override
    public void invalidate(final String collectionId) {
        invalidations.incrementAndGet();
        byCollection.invalidate(collectionId);
    }

    @Override
    public void invalidateAll() {
        invalidations.incrementAndGet();
        byCollection.invalidateAll();
    }

    /** Invalidations since start, for tests. */
    long invalidations() {
        return invalidations.get();
    }

    /** Collections cached now. */
    long cachedCollections() {
        return byCollection.estimatedSize();
    }

    /** Fraction of lookups answered from memory since start. */
    double hitRate() {
        return byCollection.stats().hitRate();
    }

    @Override
    public Map<String, List<DavSubscription>> subscriptionsOfCollections(final Collection<String> collectionIds,
                                                                         final Instant now) {
        final Map<String, List<DavSubscription>> result = new HashMap<>();
        final List<String> missing = new ArrayList<>();
        for (final String id : collectionIds) {
            final List<DavSubscription> cached = byCollection.getIfPresent(id);
            if (cached != null) {
                result.put(id, unexpired(cached, now));
            } else if (!result.containsKey(id)) {
                missing.add(id);
                result.put(id, List.of());
            }
        }
        if (missing.isEmpty()) {
            return result;
        }
        final long before = invalidations.get();
        final Map<String, List<DavSubscription>> loaded = delegate.subscriptionsOfCollections(missing, now);
        final Map<String, List<DavSubscription>> compacted = new HashMap<>();
        for (final String id : missing) {
            final List<DavSubscription> found = compact(loaded.getOrDefault(id, List.of()));
            compacted.put(id, found);
            result.put(id, found);
        }
        if (invalidations.get() == before) {
            byCollection.putAll(compacted);
            if (invalidations.get() != before) {
                // An invalidation came between the check and the put: what was put may be stale.
                byCollection.invalidateAll(compacted.keySet());
            }
        }
        return result;
    }

    private static List<DavSubscription> unexpired(final List<DavSubscription> cached, final Instant now) {
        for (final DavSubscription subscription : cached) {
            if (subscription.expiredAt(now)) {
                return cached.stream().filter(s -> !s.expiredAt(now)).toList();
            }
        }
        return cached;
    }

    /** The same subscriptions sharing the strings that repeat across collections (topic, subscriber). */
    private List<DavSubscription> compact(final List<DavSubscription> subscriptions) {
        final List<DavSubscription> result = new ArrayList<>(subscriptions.size());
        for (final DavSubscription s : subscriptions) {
            result.add(new DavSubscription(s.deviceToken(), s.collectionId(), s.pushKey(), strings.intern(s.topic()),
                    s.kind(), strings.intern(s.subscriber()), s.firstSubscribed(), s.lastSubscribed(),
                    s.expiresAt()));
        }
        return List.copyOf(result);
    }

    @Override
    public SubscribeOutcome subscribe(final DavSubscription subscription) {
        try {
            return delegate.subscribe(subscription);
        } finally {
            invalidate(subscription.collectionId());
        }
    }

    @Override
    public List<DavSubscription> subscriptionsOf(final String subscriber) {
        return delegate.subscriptionsOf(subscriber);
    }

    @Override
    public Optional<DavSubscription> findSubscription(final DavSubscriptionKey key) {
        return delegate.findSubscription(key);
    }

    @Override
    public boolean removeUnlessSubscribedAfter(final DavSubscriptionKey key, final Instant invalidatedAt) {
        try {
            return delegate.removeUnlessSubscribedAfter(key, invalidatedAt);
        } finally {
            invalidate(key.collectionId());
        }
    }

    @Override
    public int removeSubscriptions(final String subscriber, final String deviceToken) {
        // Which collections lose a subscription is known only from the rows: the subscriber's before the delete.
        final List<DavSubscription> before = delegate.subscriptionsOf(subscriber);
        try {
            return delegate.removeSubscriptions(subscriber, deviceToken);
        } finally {
            // A subscription added between the read and the delete is also told by the change notification.
            invalidations.incrementAndGet();
            byCollection.invalidateAll(before.stream().map(DavSubscription::collectionId).distinct().toList());
        }
    }

    /** Nothing to invalidate: lookups drop what has expired themselves (see the class comment). */
    @Override
    public int expireSubscriptions(final Instant now) {
        return delegate.expireSubscriptions(now);
    }

    @Override
    public long countSubscriptions() {
        return delegate.countSubscriptions();
    }

    @Override
    public long exportSubscriptions(final Consumer<DavSubscription> sink) {
        return delegate.exportSubscriptions(sink);
    }

    @Override
    public long importSubscriptions(final Iterable<DavSubscription> subscriptions,
                                    final RegistrationStore.ImportMode mode) {
        try {
            return delegate.importSubscriptions(subscriptions, mode);
        } finally {
            invalidateAll();
        }
    }
}
