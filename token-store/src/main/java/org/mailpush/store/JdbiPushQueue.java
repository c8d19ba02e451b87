package org.mailpush.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;

/**
 * The {@link PushQueue} in the store's {@code push_queue} table (migrations V3, V4 and {@code V6__shared_push_queue}):
 * one row per target ({@code target_key}), naming a registration by {@code account_id} and {@code device_token} or a
 * DAV subscription by {@code device_token} and {@code collection_id}.
 *
 * <p>Merging an event into a queued row is PostgreSQL's {@code INSERT ... ON CONFLICT DO UPDATE}, which is safe when
 * two intakes queue the same target at once; H2 (one host) uses {@code MERGE}. Claims are {@code SELECT ... FOR
 * UPDATE SKIP LOCKED} on both. Writes touch rows in {@code target_key} order, so that intakes merging and pushers
 * settling overlapping rows cannot deadlock each other; a deadlock PostgreSQL still reports (a lease renewal) is
 * tried again.</p>
 */
final class JdbiPushQueue implements PushQueue {

    /** The value columns a merged row takes: shared by both engines' statements. */
    private static final String MERGED_NEW_MAIL = "CASE WHEN q.claimed_by IS NOT NULL AND q.generation ="
            + " q.claimed_generation THEN s.new_mail ELSE (q.new_mail OR s.new_mail) END";
    private static final String MERGED_RECEIVED_AT = "CASE WHEN q.claimed_by IS NOT NULL AND q.generation ="
            + " q.claimed_generation THEN s.received_at ELSE LEAST(q.received_at, s.received_at) END";

    /** While a claimed row has not changed, a new event starts its next push afresh; otherwise it joins the wait. */
    private static final String POSTGRES_ENQUEUE = """
            INSERT INTO push_queue AS q (target_key, account_id, collection_id, device_token, new_mail, received_at)
            VALUES (:key, :account, :collection, :token, :newMail, :receivedAt)
            ON CONFLICT (target_key) DO UPDATE SET generation = q.generation + 1,
                new_mail = %s, received_at = %s"""
            .formatted(MERGED_NEW_MAIL.replace("s.", "EXCLUDED."), MERGED_RECEIVED_AT.replace("s.", "EXCLUDED."));
    private static final String H2_ENQUEUE = """
            MERGE INTO push_queue q
            USING (VALUES (CAST(:key AS VARCHAR(1100)), CAST(:account AS VARCHAR(256)),
                           CAST(:collection AS VARCHAR(256)), CAST(:token AS VARCHAR(256)), CAST(:newMail AS BOOLEAN),
                           CAST(:receivedAt AS TIMESTAMP WITH TIME ZONE)))
                  AS s(target_key, account_id, collection_id, device_token, new_mail, received_at)
            ON q.target_key = s.target_key
            WHEN MATCHED THEN UPDATE SET generation = q.generation + 1, new_mail = %s, received_at = %s
            WHEN NOT MATCHED THEN INSERT (target_key, account_id, collection_id, device_token, new_mail, received_at)
                VALUES (s.target_key, s.account_id, s.collection_id, s.device_token, s.new_mail, s.received_at)"""
            .formatted(MERGED_NEW_MAIL, MERGED_RECEIVED_AT);

    /**
     * Failures after which the whole transaction was rolled back and is worth one more try: a deadlock PostgreSQL
     * broke (40P01), or H2's (40001); and on H2, whose MERGE is not atomic, a row another process inserted between
     * its check and its insert (23505).
     */
    private static final List<String> TRY_AGAIN = List.of("40P01", "40001", "23505");
    private static final int DEADLOCK_ATTEMPTS = 5;

    private final JdbiDatabase database;
    private final String enqueueSql;
    private final boolean acrossProcesses;
    private volatile Runnable wake = () -> { };

    JdbiPushQueue(final JdbiDatabase database, final StoreEngine engine) {
        this.database = database;
        this.enqueueSql = engine == StoreEngine.POSTGRESQL ? POSTGRES_ENQUEUE : H2_ENQUEUE;
        // The store's change listener hears migration V6_1's NOTIFY on PostgreSQL; H2 has nothing like it.
        this.acrossProcesses = engine == StoreEngine.POSTGRESQL;
    }

    @Override
    public void enqueue(final Collection<PendingPush> pushes) {
        if (pushes.isEmpty()) {
            return;
        }
        // One statement per target: PostgreSQL refuses to update a row twice in one INSERT ... ON CONFLICT.
        final Map<String, PendingPush> byTarget = new TreeMap<>();
        for (final PendingPush push : pushes) {
            byTarget.merge(PendingPush.targetKey(push.target()), push, JdbiPushQueue::merged);
        }
        List<PendingPush> left = List.copyOf(byTarget.values());
        while (!left.isEmpty()) {
            left = write(left);
        }
        wake.run();
    }

    /**
     * Writes one transaction's pushes; returns those whose row vanished under the merge (H2's MERGE found the row,
     * then a pusher's settle removed it before the update: nothing was written for them), to be written again.
     */
    private List<PendingPush> write(final List<PendingPush> pushes) {
        final int[] written = withDeadlockRetry("queue pushes", handle -> handle.inTransaction(transaction -> {
            final PreparedBatch batch = transaction.prepareBatch(enqueueSql);
            for (final PendingPush push : pushes) {
                final RegistrationKey mail = push.target() instanceof RegistrationKey k ? k : null;
                final DavSubscriptionKey dav = push.target() instanceof DavSubscriptionKey k ? k : null;
                batch.bind("key", PendingPush.targetKey(push.target()))
                        .bind("account", mail == null ? null : mail.accountId())
                        .bind("collection", dav == null ? null : dav.collectionId())
                        .bind("token", push.target().deviceToken())
                        .bind("newMail", mail != null && push.newMail())
                        .bind("receivedAt", utc(micros(push.receivedAt())))
                        .add();
            }
            return batch.execute();
        }));
        final List<PendingPush> again = new ArrayList<>();
        for (int i = 0; i < written.length; i++) {
            if (written[i] == 0) {
                again.add(pushes.get(i));
            }
        }
        return again;
    }

    private static PendingPush merged(final PendingPush a, final PendingPush b) {
        return new PendingPush(a.target(), a.newMail() || b.newMail(),
                a.receivedAt().isBefore(b.receivedAt()) ? a.receivedAt() : b.receivedAt());
    }

    @Override
    public long size() {
        return database.run("count queued pushes", handle -> handle.createQuery("SELECT count(*) FROM push_queue")
                .mapTo(Long.class).one());
    }

    @Override
    public QueueStats stats(final Instant now) {
        return database.run("count queued pushes", handle -> handle.createQuery("""
                        SELECT count(*) AS depth,
                               COALESCE(SUM(CASE WHEN lease_until >= :now THEN 1 ELSE 0 END), 0) AS claimed,
                               MIN(received_at) AS oldest
                          FROM push_queue""")
                .bind("now", utc(micros(now)))
                .map((rs, ctx) -> new QueueStats(rs.getLong("depth"), rs.getLong("claimed"),
                        Optional.ofNullable(rs.getObject("oldest", java.time.OffsetDateTime.class))
                                .map(java.time.OffsetDateTime::toInstant)))
                .one());
    }

    @Override
    public List<QueuedPush> claim(final String claimer, final int limit, final Instant now, final Duration lease) {
        if (limit <= 0) {
            return List.of();
        }
        return withDeadlockRetry("claim queued pushes", handle -> handle.inTransaction(transaction -> {
            final List<QueuedPush> claimed = transaction.createQuery("""
                            SELECT id, generation, account_id, collection_id, device_token, new_mail, received_at,
                                   deliveries, claimed_by
                              FROM push_queue
                             WHERE lease_until IS NULL OR lease_until < :now
                             ORDER BY id LIMIT :limit
                               FOR UPDATE SKIP LOCKED""")
                    .bind("now", utc(micros(now)))
                    .bind("limit", limit)
                    .map((rs, ctx) -> new QueuedPush(rs.getLong("id"), rs.getLong("generation"),
                            target(rs.getString("account_id"), rs.getString("collection_id"),
                                    rs.getString("device_token")),
                            rs.getBoolean("new_mail"), instant(rs, "received_at"), rs.getInt("deliveries") + 1,
                            rs.getString("claimed_by") != null))
                    .list();
            if (!claimed.isEmpty()) {
                transaction.createUpdate("""
                                UPDATE push_queue SET claimed_by = :claimer, lease_until = :until,
                                       claimed_generation = generation, deliveries = deliveries + 1
                                 WHERE id IN (<ids>)""")
                        .bind("claimer", claimer)
                        .bind("until", utc(micros(now.plus(lease))))
                        .bindList("ids", ids(claimed))
                        .execute();
            }
            return claimed;
        }));
    }

    /** The key a row names: the table's check constraint lets exactly one of account and collection be set. */
    private static PushTarget.Key target(final String account, final String collection, final String token) {
        return account != null ? new RegistrationKey(account, token) : new DavSubscriptionKey(token, collection);
    }

    @Override
    public int renew(final String claimer, final Collection<Long> ids, final Instant until) {
        if (ids.isEmpty()) {
            return 0;
        }
        return updateHeld("renew push queue leases", "lease_until = :until", claimer,
                ids.stream().sorted().toList(), until);
    }

    @Override
    public void settle(final String claimer, final Collection<QueuedPush> answered) {
        if (answered.isEmpty()) {
            return;
        }
        final List<QueuedPush> ordered = inTargetOrder(answered);
        withDeadlockRetry("settle answered pushes", handle -> handle.inTransaction(transaction -> {
            final PreparedBatch delete = transaction.prepareBatch(
                    "DELETE FROM push_queue WHERE id = :id AND generation = :generation");
            for (final QueuedPush push : ordered) {
                delete.bind("id", push.id()).bind("generation", push.generation()).add();
            }
            delete.execute();
            // What is left had an event merged into it while it was being pushed: it goes out again.
            final PreparedBatch release = transaction.prepareBatch("""
                    UPDATE push_queue SET claimed_by = NULL, lease_until = NULL, claimed_generation = NULL,
                           deliveries = 0
                     WHERE id = :id AND claimed_by = :claimer""");
            for (final QueuedPush push : ordered) {
                release.bind("id", push.id()).bind("claimer", claimer).add();
            }
            return release.execute();
        }));
    }

    @Override
    public int release(final String claimer, final Collection<QueuedPush> unanswered) {
        if (unanswered.isEmpty()) {
            return 0;
        }
        final int released = updateHeld("release claimed pushes",
                "claimed_by = NULL, lease_until = NULL, claimed_generation = NULL", claimer,
                ids(inTargetOrder(unanswered)), null);
        wake.run();
        return released;
    }

    @Override
    public void whenQueued(final Runnable wake) {
        this.wake = wake == null ? () -> { } : wake;
    }

    @Override
    public boolean wakesAcrossProcesses() {
        return acrossProcesses;
    }

    /** Runs {@code wake}: for the store's change listener, which hears other processes' pushes queued. */
    void queuedElsewhere() {
        wake.run();
    }

    /**
     * Sets {@code assignments} on those of the rows {@code ids} that {@code claimer} still holds, in bounded IN
     * lists (a pusher may hold thousands), binding {@code until} when given.
     *
     * @return how many rows it still held
     */
    private int updateHeld(final String what, final String assignments, final String claimer, final List<Long> ids,
                           final Instant until) {
        return withDeadlockRetry(what, handle -> {
            int held = 0;
            for (final List<Long> chunk : chunks(ids)) {
                final var update = handle.createUpdate("UPDATE push_queue SET " + assignments
                                + " WHERE claimed_by = :claimer AND id IN (<ids>)")
                        .bind("claimer", claimer)
                        .bindList("ids", chunk);
                if (until != null) {
                    update.bind("until", utc(micros(until)));
                }
                held += update.execute();
            }
            return held;
        });
    }

    private <T> T withDeadlockRetry(final String what, final Function<Handle, T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return database.run(what, work::apply);
            } catch (final TokenStoreException e) {
                if (attempt >= DEADLOCK_ATTEMPTS
                        || TRY_AGAIN.stream().noneMatch(state -> JdbiDatabase.hasSqlState(e, state))) {
                    throw e;
                }
                // The transaction was rolled back as a whole: trying it again is safe.
            }
        }
    }

    private static List<QueuedPush> inTargetOrder(final Collection<QueuedPush> pushes) {
        return pushes.stream()
                .sorted(Comparator.comparing((QueuedPush push) -> PendingPush.targetKey(push.target())))
                .toList();
    }

    private static List<Long> ids(final Collection<QueuedPush> pushes) {
        final List<Long> ids = new ArrayList<>(pushes.size());
        pushes.forEach(push -> ids.add(push.id()));
        return ids;
    }

    /** Bounded IN lists: a lease renewal may name thousands of rows. */
    private static List<List<Long>> chunks(final List<Long> ids) {
        final List<List<Long>> chunks = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += 1000) {
            chunks.add(ids.subList(from, Math.min(ids.size(), from + 1000)));
        }
        return chunks;
    }
}
