package org.mailpush.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;

/** The {@link PushQueue} in the store's {@code push_queue} table (migration {@code V3__push_queue.sql}). */
final class JdbiPushQueue implements PushQueue {

    private final JdbiDatabase database;

    JdbiPushQueue(final JdbiDatabase database) {
        this.database = database;
    }

    @Override
    public void enqueue(final RegistrationKey registration, final boolean newMail, final Instant receivedAt) {
        database.run("queue a push", handle -> handle.createUpdate("""
                        INSERT INTO push_queue (account_id, device_token, new_mail, received_at)
                        VALUES (:account, :token, :newMail, :receivedAt)""")
                .bind("account", registration.accountId())
                .bind("token", registration.deviceToken())
                .bind("newMail", newMail)
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
                        SELECT id, account_id, device_token, new_mail, received_at FROM push_queue
                         WHERE id > :after ORDER BY id LIMIT :limit""")
                .bind("after", afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> new QueuedPush(rs.getLong("id"),
                        new RegistrationKey(rs.getString("account_id"), rs.getString("device_token")),
                        rs.getBoolean("new_mail"), instant(rs, "received_at")))
                .list());
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
