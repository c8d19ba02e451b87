package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The DAV subscription contract on the real PostgreSQL (fails, naming what to start, when there is none), plus what
 * only a shared database has: another process's change reaches the routing cache through LISTEN/NOTIFY.
 */
class PostgresDavSubscriptionIT extends DavSubscriptionContract {

    private PostgresTestDatabase database;

    @Override
    TokenStoreBuilder builder() {
        if (database == null) {
            database = PostgresTestDatabase.create();
        }
        return database.storeBuilder();
    }

    @AfterEach
    void dropSchema() {
        tokenStore.close(); // before its tables go: a listening store would reload from a dropped schema
        database.close();
    }

    @Override
    void awaitListening(final TokenStore opened) {
        await().atMost(Duration.ofSeconds(5)).until(() -> ((PgChangeListener) opened.changeListener()).listening());
    }

    @Test
    void ownWritesAndTheirNotificationsBothInvalidateTheCollection() {
        final CachingDavSubscriptionStore cache = (CachingDavSubscriptionStore) store;
        awaitListening(tokenStore);
        final long before = cache.invalidations();
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        // Our own write invalidates once, and its notification comes back on mailpush_dav_subscriptions once more.
        await().atMost(Duration.ofSeconds(5)).until(() -> cache.invalidations() == before + 2);
        assertThat(store.subscriptionsOfCollections(java.util.List.of("cal-1"), T0).get("cal-1")).hasSize(1);
    }
}
