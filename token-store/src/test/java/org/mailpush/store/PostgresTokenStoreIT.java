package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole store contract on the real PostgreSQL, plus what only a shared database has. */
class PostgresTokenStoreIT extends TokenStoreContract {

    private PostgresTestDatabase database;

    @Override
    TokenStore openStore() {
        database = PostgresTestDatabase.create();
        return database.storeBuilder().build();
    }

    @AfterEach
    void dropSchema() {
        tokenStore.close(); // before its tables go: a listening store would reload from a dropped schema
        database.close();
    }

    @Test
    void routingIsCachedAndAnotherProcessesChangeReachesTheCacheAtOnce() throws Exception {
        assertThat(store).isInstanceOf(CachingRegistrationStore.class);
        final CachingRegistrationStore cache = (CachingRegistrationStore) store;
        await().atMost(Duration.ofSeconds(5)).until(() -> ((PgChangeListener) tokenStore.changeListener()).listening());
        final long before = cache.invalidations();
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        // Our own write invalidates once, and its notification comes back through LISTEN and invalidates again.
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.invalidations() == before + 2);
        assertThat(store.registrationsWatching("test", "INBOX")).hasSize(1);
        assertThat(store.registrationsWatching("test", "INBOX")).hasSize(1);
        assertThat(cache.hitRate()).isPositive();

        // A second mailpush process on the same database (Cyrus master and replica) registers a second phone.
        try (TokenStore other = database.storeBuilder().build()) {
            other.registrations().register(registration("test", "ACC-2", TOKEN_B, T0, "INBOX"));
            await().atMost(Duration.ofSeconds(5)).until(() -> store.registrationsWatching("test", "INBOX").size() == 2);
            other.registrations().remove("test", TOKEN_A);
            await().atMost(Duration.ofSeconds(5)).until(() -> store.registrationsWatching("test", "INBOX").size() == 1);
        }
    }

    @Test
    void twoProcessesRegisteringTheSameDevicesNeitherFailNorLoseUpdates() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try (TokenStore other = database.storeBuilder().build()) {
            final java.util.List<Callable<RegistrationStore.RegisterOutcome>> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < 60; i++) {
                final RegistrationStore target = i % 2 == 0 ? store : other.registrations();
                final Instant at = T0.plusSeconds(i);
                final String mailbox = "Box" + i;
                final String account = "ACC-" + (i % 3);
                tasks.add(() -> target.register(registration("test", account, TOKEN_A, at, mailbox)));
            }
            int added = 0;
            for (final Future<RegistrationStore.RegisterOutcome> outcome : pool.invokeAll(tasks)) {
                if (outcome.get() == RegistrationStore.RegisterOutcome.ADDED) {
                    added++;
                }
            }
            assertThat(added).isEqualTo(3);
            assertThat(store.count()).isEqualTo(3);
            for (int account = 0; account < 3; account++) {
                // Every row holds exactly one complete registration: one mailbox, never a mix of two writers'.
                assertThat(other.registrations().find(new RegistrationKey("ACC-" + account, TOKEN_A)).orElseThrow()
                        .mailboxes()).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
