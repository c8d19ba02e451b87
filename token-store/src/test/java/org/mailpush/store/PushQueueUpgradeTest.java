package org.mailpush.store;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A split install upgraded with pushes still queued the old way (one row per event, before migration V6): each
 * target keeps one row, new mail if any of its rows was, and the pushes go out after the upgrade.
 */
class PushQueueUpgradeTest {

    @TempDir
    Path dir;

    @Test
    void rowsQueuedPerEventBeforeTheUpgradeBecomeOneRowPerTarget() throws Exception {
        final String url = "jdbc:h2:file:" + dir.resolve("tokens");
        Flyway.configure().dataSource(url, null, null)
                .locations("classpath:db/migration/common", "classpath:db/migration/h2")
                .target("5").load().migrate();
        final String phone = "ab".repeat(32);
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO push_queue (account_id, device_token, new_mail, received_at) VALUES"
                    + " ('ACC-1', '" + phone + "', FALSE, TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:00+00'),"
                    + " ('ACC-1', '" + phone + "', TRUE, TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:01+00'),"
                    + " ('ACC-2', '" + phone + "', FALSE, TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:02+00')");
            statement.execute("INSERT INTO push_queue (collection_id, device_token, new_mail, received_at) VALUES"
                    + " ('cal-1', '" + phone + "', FALSE, TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:03+00'),"
                    + " ('cal-1', '" + phone + "', FALSE, TIMESTAMP WITH TIME ZONE '2026-12-01 10:00:04+00')");
        }

        try (TokenStore store = new TokenStoreBuilder().url(url).build()) {
            final PushQueue queue = store.pushQueue();
            assertThat(queue.size()).isEqualTo(3);
            final List<QueuedPush> claimed = queue.claim("pusher", 10, Instant.now(), Duration.ofSeconds(30));
            assertThat(claimed).extracting(QueuedPush::target).containsExactly(
                    new RegistrationKey("ACC-1", phone), new RegistrationKey("ACC-2", phone),
                    new DavSubscriptionKey(phone, "cal-1"));
            assertThat(claimed).extracting(QueuedPush::newMail).containsExactly(true, false, false);
            assertThat(claimed.get(0).receivedAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
            // An event after the upgrade merges into the migrated row, as into any.
            queue.enqueue(new RegistrationKey("ACC-2", phone), true, Instant.now());
            assertThat(queue.size()).isEqualTo(3);
        }
    }
}
