package org.mailpush.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;

/**
 * The {@link PushQueue} in the store's {@code push_queue} table (migrations {@code V3__push_queue.sql} and
 * {@code V4__dav_subscriptions.sql}): a row names a registration by {@code account_id} and {@code device_token}, or
 * a DAV subscription by {@code device_token} and {@code collection_id}; the other column is {@code NULL}.
 */
final class JdbiPushQueue implements PushQueue {

    private final JdbiDatabase database;

    JdbiPushQueue(final JdbiDatabase database) {
        this.database = database;
    }

    @Override
    public void enqueue(final PushTarget.Key target, final boolean newMail, final Instant receivedAt) {
        final RegistrationKey mail = target instanceof RegistrationKey key ? key : null;
        final DavSubscriptionKey dav = target instanceof DavSubscriptionKey key ? key : null;
        database.run("queue a push", handle -> handle.createUpdate("""
                        INSERT INTO push_queue (account_id, collection_id, device_token, new_mail, received_at)
                        VALUES (:account, :collection, :token, :newMail, :receivedAt)""")
                .bind("account", mail == null ? null : mail.accountId())
                .bind("collection", dav == null ? null : dav.collectionId())
                .bind("token", target.deviceToken())
                .bind("newMail", mail != null && newMail)
                .bind("receivedAt", utc(micros(receivedAt)))
                .execute());
    }

    @Override
    public long size() {
        return database.run("count queued pushes", handle -> handle.createQuery("SELECT count(*) FROM push_queue")
                .mapTo(Long.class).one());
    }

    @Override
    public List<QueuedPush> read(final long afterId, final int limit) {
        return database.run("read queued pushes", handle -> handle.createQuery("""
                        SELECT id, account_id, collection_id, device_token, new_mail, received_at FROM push_queue
                         WHERE id > :after ORDER BY id LIMIT :limit""")
                .bind("after", afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> new QueuedPush(rs.getLong("id"), target(rs.getString("account_id"),
                        rs.getString("collection_id"), rs.getString("device_token")),
                        rs.getBoolean("new_mail"), instant(rs, "received_at")))
                .list());
    }

    /** The key a row names: the table's check constraint lets exactly one of account and collection be set. */
    private static PushTarget.Key target(final String account, final String collection, final String token) {
        return account != null ? new RegistrationKey(account, token) : new DavSubscriptionKey(token, collection);
    }

    @Override
    public void remove(final Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        database.run("remove queued pushes", handle -> handle
                .createUpdate("DELETE FROM push_queue WHERE id IN (<ids>)")
                .bindList("ids", List.copyOf(ids))
                .execute());
    }
}
