package org.mailpush.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.StatementContext;
import org.mailpush.store.DavSubscriptionStore.SubscribeOutcome;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;

/**
 * The SQL of the {@code dav_subscription} table (migration {@code V4}): the select and its row mapper, the upsert
 * (with the per-subscriber limit) and the inserts of a restore, each inside the caller's transaction.
 * {@link JdbiDavSubscriptionStore} runs them (transactions, failover, the retry of a race) and folds the subscriber
 * first; {@link JdbiTransfer} runs the restore beside the registrations'. Stateless; thread-safe.
 */
final class DavSubscriptionRows {

    /** The columns; the caller adds WHERE and ORDER BY. */
    static final String SELECT_SUBSCRIPTIONS = """
            SELECT device_token, collection_id, push_key, topic, kind, subscriber, first_subscribed, last_subscribed,
                   expires_at
              FROM dav_subscription
            """;

    /** One row, by the names {@link #bindRow} binds. */
    private static final String INSERT_ROW = """
            INSERT INTO dav_subscription (device_token, collection_id, push_key, topic, kind, subscriber,
                                          first_subscribed, last_subscribed, expires_at)
            VALUES (:token, :collection, :key, :topic, :kind, :subscriber, :first, :last, :expires)""";

    private DavSubscriptionRows() {
    }

    /** A row mapper for {@link #SELECT_SUBSCRIPTIONS}. */
    static DavSubscription map(final ResultSet rs, final StatementContext ctx) throws SQLException {
        return new DavSubscription(rs.getString("device_token"), rs.getString("collection_id"),
                rs.getString("push_key"), rs.getString("topic"), PushTarget.Kind.fromLabel(rs.getString("kind")),
                rs.getString("subscriber"), instant(rs, "first_subscribed"), instant(rs, "last_subscribed"),
                instant(rs, "expires_at"));
    }

    /**
     * Inserts or refreshes one subscription inside the caller's transaction: one statement to find (and lock) the
     * existing row, one more to count the subscriber's subscriptions only when the row is new. A refresh replaces
     * everything but {@code first_subscribed}.
     *
     * @param onlyIfNewer      leave an existing subscription alone unless {@code subscription} was made later
     * @param maxPerSubscriber refuse a new subscription of a subscriber who has this many
     *                         ({@link RegistrationLimitException#ofSubscriptions})
     * @return what happened; {@code null} when an existing, newer subscription was kept
     */
    static SubscribeOutcome upsert(final Handle handle, final DavSubscription subscription,
                                   final boolean onlyIfNewer, final int maxPerSubscriber) {
        final Optional<Instant> existingLast = handle.createQuery("""
                        SELECT last_subscribed FROM dav_subscription
                         WHERE device_token = :token AND collection_id = :collection FOR UPDATE""")
                .bind("token", subscription.deviceToken())
                .bind("collection", subscription.collectionId())
                .map((rs, ctx) -> instant(rs, "last_subscribed"))
                .findOne();
        if (existingLast.isEmpty()) {
            if (maxPerSubscriber < Integer.MAX_VALUE) {
                final long held = handle.createQuery(
                                "SELECT COUNT(*) FROM dav_subscription WHERE subscriber = :subscriber")
                        .bind("subscriber", subscription.subscriber())
                        .mapTo(Long.class).one();
                if (held >= maxPerSubscriber) {
                    throw RegistrationLimitException.ofSubscriptions(subscription.subscriber(), maxPerSubscriber);
                }
            }
            bindInsert(handle.createUpdate(INSERT_ROW), subscription).execute();
            return SubscribeOutcome.ADDED;
        }
        if (onlyIfNewer && !micros(subscription.lastSubscribed()).isAfter(existingLast.get())) {
            return null;
        }
        bindRow(handle.createUpdate("""
                UPDATE dav_subscription
                   SET push_key = :key, topic = :topic, kind = :kind, subscriber = :subscriber,
                       last_subscribed = :last, expires_at = :expires
                 WHERE device_token = :token AND collection_id = :collection"""), subscription).execute();
        return SubscribeOutcome.REFRESHED;
    }

    /** Inserts {@code subscriptions} (none of which exists) in one batch. */
    static long insertAll(final Handle handle, final List<DavSubscription> subscriptions) {
        if (subscriptions.isEmpty()) {
            return 0;
        }
        final PreparedBatch batch = handle.prepareBatch(INSERT_ROW);
        for (final DavSubscription subscription : subscriptions) {
            bindInsert(batch, subscription).add();
        }
        batch.execute();
        return subscriptions.size();
    }

    /** Every column of {@code subscription}, for {@link #INSERT_ROW}. */
    private static <T extends SqlStatement<T>> T bindInsert(final T statement, final DavSubscription subscription) {
        return bindRow(statement, subscription).bind("first", utc(micros(subscription.firstSubscribed())));
    }

    /** Every column but {@code first_subscribed} (which a refresh keeps), by the names the statements use. */
    private static <T extends SqlStatement<T>> T bindRow(final T statement, final DavSubscription subscription) {
        return statement.bind("token", subscription.deviceToken())
                .bind("collection", subscription.collectionId())
                .bind("key", subscription.pushKey())
                .bind("topic", subscription.topic())
                .bind("kind", subscription.kind().label())
                .bind("subscriber", subscription.subscriber())
                .bind("last", utc(micros(subscription.lastSubscribed())))
                .bind("expires", utc(micros(subscription.expiresAt())));
    }
}
