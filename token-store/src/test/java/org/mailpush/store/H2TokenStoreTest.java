package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class H2TokenStoreTest extends TokenStoreContract {

    @TempDir
    Path dir;

    @Override
    TokenStore openStore() {
        return new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
    }

    @Test
    void registrationsSurviveReopening() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        store.close();
        store = openStore();
        assertThat(store.registrationsWatching("test", "INBOX")).hasSize(1);
    }

    @Test
    void unknownEngineIsRefusedWithTheKeyNamed() {
        assertThatThrownBy(() -> new TokenStoreBuilder().url("jdbc:mysql://db/mailpush").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store.url")
                .hasMessageContaining("jdbc:mysql:");
    }

    @Test
    void anInMemoryDatabaseKeepsItsRoutingCacheInvalidatedAcrossStores() {
        // H2 gives an in-memory database no DATABASE_PATH(): the cache's change trigger is keyed by its name.
        final String url = "jdbc:h2:mem:cache-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (TokenStore cached = new TokenStoreBuilder().url(url)
                     .cache(TokenStoreBuilder.CacheMode.ON, 1_000, java.time.Duration.ofHours(1)).build();
             TokenStore other = new TokenStoreBuilder().url(url)
                     .cache(TokenStoreBuilder.CacheMode.OFF, 1_000, java.time.Duration.ofHours(1)).build()) {
            assertThat(cached.describe()).contains("routing cache");
            assertThat(cached.registrationsWatching("test", "INBOX")).isEmpty();

            other.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));

            assertThat(cached.registrationsWatching("test", "INBOX")).as("the cached empty answer was invalidated")
                    .extracting(Registration::deviceToken).containsExactly(TOKEN_A);
        }
    }
}
