package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The push queue contract on the real PostgreSQL, plus the wake-up another process's queued push sends. */
class PostgresPushQueueIT extends PushQueueContract {

    private PostgresTestDatabase database;

    @Override
    TokenStore openStore() {
        database = PostgresTestDatabase.create();
        return database.storeBuilder().build();
    }

    @AfterEach
    void dropSchema() {
        tokenStore.close();
        database.close();
    }

    @Test
    void aPushQueuedByAnotherProcessWakesThisOne() {
        await().atMost(Duration.ofSeconds(5)).until(() -> ((PgChangeListener) tokenStore.changeListener()).listening());
        final AtomicLong wakes = new AtomicLong();
        queue.whenQueued(wakes::incrementAndGet);
        try (TokenStore intake = database.storeBuilder().cache(TokenStoreBuilder.CacheMode.OFF, 1,
                Duration.ofMinutes(1)).build()) {
            intake.pushQueue().enqueue(PHONE, true, T0);
            await().atMost(Duration.ofSeconds(10)).until(() -> wakes.get() >= 1);
            assertThat(queue.size()).isEqualTo(1);
        }
    }
}
