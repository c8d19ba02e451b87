package org.mailpush.store;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.mailpush.store.DavSubscriptionRows.SELECT_SUBSCRIPTIONS;
import static org.mailpush.store.JdbiDatabase.hasSqlState;
import static org.mailpush.store.JdbiDatabase.utc;

/**
 * The JDBI implementation of {@link DavSubscriptionStore}, the same SQL on H2 and PostgreSQL, in the house style of
 * {@link JdbiRegistrationStore}: every operation runs through {@link JdbiDatabase#run} (which waits out a failover),
 * writes in READ COMMITTED transactions that lock the row they change, subscribers folded as usernames are
 * ({@link UsernameFolding}) so that {@code tokens show --user Bob} finds bob's subscriptions.
 *
 * <p>Bounded like the registrations: a subscriber holds at most {@code maxPerSubscriber} subscriptions
 * ({@code store.max-subscriptions-per-user}); a new one beyond is refused with
 * {@link RegistrationLimitException#ofSubscriptions}, a refresh of one already there never is, imports are not
 * limited. Thread-safe: every call borrows its own connection.</p>
 */
final class JdbiDavSubscriptionStore implements DavSubscriptionStore {

    /** Collections looked up per query by {@link #subscriptionsOfCollections}: a bound on the statement's size. */
    private static final int COLLECTIONS_PER_QUERY = 500;
    private static final int IMPORT_BATCH = 1_000;

    private final JdbiDatabase database;
    private final UsernameFolding folding;
    private final int maxPerSubscriber;

    JdbiDavSubscriptionStore(final JdbiDatabase database, final UsernameFolding folding, final int maxPerSubscriber) {
        this.database = database;
        this.folding = folding;
        this.maxPerSubscriber = maxPerSubscriber;
    }

    /** @throws RegistrationLimitException when it is new and its subscriber holds the most allowed already */
    @Override
    public SubscribeOutcome subscribe(final DavSubscription subscription) {
        final DavSubscription folded = fold(subscription);
        final HandleCallback<SubscribeOutcome, RuntimeException> upsert =
                h -> DavSubscriptionRows.upsert(h, folded, false, maxPerSubscriber);
        return database.run("store " + folded, handle -> {
            try {
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, upsert);
            } catch (final JdbiException e) {
                if (!hasSqlState(e, "23505")) {
                    throw e;
                }
                // Another process inserted the same key between our SELECT and INSERT: it exists now, refresh it.
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, upsert);
            }
        });
    }

    @Override
    public Map<String, List<DavSubscription>> subscriptionsOfCollections(final Collection<String> collectionIds,
                                                                         final Instant now) {
        final List<String> ids = new ArrayList<>(new LinkedHashSet<>(collectionIds));
        final Map<String, List<DavSubscription>> result = new HashMap<>();
        for (final String id : ids) {
            result.put(id, new ArrayList<>(1));
        }
        for (int from = 0; from < ids.size(); from += COLLECTIONS_PER_QUERY) {
            final List<String> chunk = ids.subList(from, Math.min(ids.size(), from + COLLECTIONS_PER_QUERY));
            // One array parameter, as for the registrations of a batch of users: one statement for every size.
            database.run("look up the DAV subscriptions of " + chunk.size() + " collections", handle -> handle
                            .createQuery(SELECT_SUBSCRIPTIONS + " WHERE collection_id = ANY(:ids) AND expires_at > :now"
                                    + " ORDER BY collection_id, device_token")
                            .bindArray("ids", String.class, chunk)
                            .bind("now", utc(now))
                            .map(DavSubscriptionRows::map)
                            .list())
                    .forEach(found -> result.get(found.collectionId()).add(found));
        }
        result.replaceAll((id, found) -> List.copyOf(found));
        return result;
    }

    @Override
    public List<DavSubscription> subscriptionsOf(final String subscriber) {
        final String folded = folding.fold(subscriber);
        return database.run("look up the DAV subscriptions of a user", handle -> handle
                .createQuery(SELECT_SUBSCRIPTIONS
                        + " WHERE subscriber = :subscriber ORDER BY device_token, collection_id")
                .bind("subscriber", folded)
                .map(DavSubscriptionRows::map)
                .list());
    }

    @Override
    public Optional<DavSubscription> findSubscription(final DavSubscriptionKey key) {
        return database.run("find " + key, handle -> handle
                .createQuery(SELECT_SUBSCRIPTIONS + " WHERE device_token = :token AND collection_id = :collection")
                .bind("token", key.deviceToken().toLowerCase(Locale.ROOT))
                .bind("collection", key.collectionId())
                .map(DavSubscriptionRows::map)
                .findOne());
    }

    @Override
    public boolean removeUnlessSubscribedAfter(final DavSubscriptionKey key, final Instant invalidatedAt) {
        return database.run("remove " + key, handle -> handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED,
                h -> h.createUpdate("""
                                DELETE FROM dav_subscription WHERE device_token = :token
                                   AND collection_id = :collection AND last_subscribed <= :invalidated""")
                        .bind("token", key.deviceToken().toLowerCase(Locale.ROOT))
                        .bind("collection", key.collectionId())
                        .bind("invalidated", utc(invalidatedAt))
                        .execute() > 0));
    }

    @Override
    public int removeSubscriptions(final String subscriber, final String deviceToken) {
        final String folded = folding.fold(subscriber);
        return database.run("remove DAV subscriptions of a user", handle -> handle.inTransaction(
                TransactionIsolationLevel.READ_COMMITTED, h -> deviceToken == null
                        ? h.createUpdate("DELETE FROM dav_subscription WHERE subscriber = :subscriber")
                        .bind("subscriber", folded).execute()
                        : h.createUpdate("DELETE FROM dav_subscription WHERE subscriber = :subscriber"
                                + " AND device_token = :token")
                        .bind("subscriber", folded).bind("token", deviceToken.toLowerCase(Locale.ROOT))
                        .execute()));
    }

    @Override
    public int expireSubscriptions(final Instant now) {
        return database.run("expire DAV subscriptions", handle -> handle.inTransaction(
                TransactionIsolationLevel.READ_COMMITTED,
                h -> h.createUpdate("DELETE FROM dav_subscription WHERE expires_at <= :now")
                        .bind("now", utc(now))
                        .execute()));
    }

    @Override
    public long countSubscriptions() {
        return database.run("count DAV subscriptions", handle ->
                handle.createQuery("SELECT COUNT(*) FROM dav_subscription").mapTo(Long.class).one());
    }

    @Override
    public long exportSubscriptions(final Consumer<DavSubscription> sink) {
        return database.run("export DAV subscriptions", handle -> handle.inTransaction(
                TransactionIsolationLevel.REPEATABLE_READ, h -> stream(h, sink)));
    }

    /** Hands every subscription to {@code sink} in key order, inside the caller's transaction, one row at a time. */
    static long stream(final org.jdbi.v3.core.Handle handle, final Consumer<DavSubscription> sink) {
        final long[] count = {0};
        handle.createQuery(SELECT_SUBSCRIPTIONS + " ORDER BY device_token, collection_id")
                .setFetchSize(1_000)
                .map(DavSubscriptionRows::map)
                .forEach(subscription -> {
                    sink.accept(subscription);
                    count[0]++;
                });
        return count[0];
    }

    @Override
    public long importSubscriptions(final Iterable<DavSubscription> subscriptions,
                                    final RegistrationStore.ImportMode mode) {
        if (mode == RegistrationStore.ImportMode.REPLACE) {
            return database.run("restore DAV subscriptions", handle -> handle.inTransaction(
                    TransactionIsolationLevel.READ_COMMITTED, h -> {
                        h.createUpdate("DELETE FROM dav_subscription").execute();
                        long written = 0;
                        final List<DavSubscription> batch = new ArrayList<>(IMPORT_BATCH);
                        for (final DavSubscription subscription : subscriptions) {
                            batch.add(fold(subscription));
                            if (batch.size() == IMPORT_BATCH) {
                                written += DavSubscriptionRows.insertAll(h, batch);
                                batch.clear();
                            }
                        }
                        return written + DavSubscriptionRows.insertAll(h, batch);
                    }));
        }
        long written = 0;
        final Iterator<DavSubscription> iterator = subscriptions.iterator();
        while (iterator.hasNext()) {
            final List<DavSubscription> batch = new ArrayList<>(IMPORT_BATCH);
            while (iterator.hasNext() && batch.size() < IMPORT_BATCH) {
                batch.add(fold(iterator.next()));
            }
            written += mergeBatch(batch);
        }
        return written;
    }

    /** Merges one batch in one transaction: each subscription replaces an existing one only if made later. */
    long mergeBatch(final List<DavSubscription> folded) {
        return database.run("import DAV subscriptions", handle -> handle.inTransaction(
                TransactionIsolationLevel.READ_COMMITTED, h -> {
                    long changed = 0;
                    for (final DavSubscription subscription : folded) {
                        if (DavSubscriptionRows.upsert(h, subscription, true, Integer.MAX_VALUE) != null) {
                            changed++;
                        }
                    }
                    return changed;
                }));
    }

    DavSubscription fold(final DavSubscription subscription) {
        final String subscriber = folding.fold(subscription.subscriber());
        return subscriber.equals(subscription.subscriber()) ? subscription
                : new DavSubscription(subscription.deviceToken(), subscription.collectionId(), subscription.pushKey(),
                subscription.topic(), subscription.kind(), subscriber, subscription.firstSubscribed(),
                subscription.lastSubscribed(), subscription.expiresAt());
    }
}
