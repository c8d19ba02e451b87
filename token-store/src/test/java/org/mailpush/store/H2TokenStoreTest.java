package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

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
    void registrationsSurviveReopening() throws Exception {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        tokenStore.close();
        open();
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
            assertThat(cached.registrations().registrationsWatching("test", "INBOX")).isEmpty();

            other.registrations().register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));

            assertThat(cached.registrations().registrationsWatching("test", "INBOX"))
                    .as("the cached empty answer was invalidated")
                    .extracting(Registration::deviceToken).containsExactly(TOKEN_A);
        }
    }

    /**
     * The negative cache: a user without devices costs no query, known from the index of users with devices, read
     * at start and kept a superset; registering (here, through another store on the same database) ends it, and a
     * user whose last device went is dropped from the index by the next lookup that finds nothing.
     */
    @Test
    void usersWithoutDevicesCostNoQueryUntilTheyRegister() {
        final String url = "jdbc:h2:mem:known-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (TokenStore other = new TokenStoreBuilder().url(url)
                .cache(TokenStoreBuilder.CacheMode.OFF, 1_000, java.time.Duration.ofHours(1)).build()) {
            other.registrations().register(registration("early", "ACC-1", TOKEN_A, T0, "INBOX"));
            try (TokenStore opened = new TokenStoreBuilder().url(url)
                    .cache(TokenStoreBuilder.CacheMode.ON, 1_000, java.time.Duration.ofHours(1)).build()) {
                final CachingRegistrationStore cached = (CachingRegistrationStore) opened.registrations();
                assertThat(cached.knownUsers()).as("read at start").isEqualTo(1);
                assertThat(cached.registrationsOf("nobody")).isEmpty();
                assertThat(cached.registrationsOfUsers(List.of("nobody", "NoBody", "early")))
                        .containsEntry("nobody", List.of()).containsEntry("NoBody", List.of())
                        .hasEntrySatisfying("early", list -> assertThat(list).hasSize(1));
                assertThat(cached.knownAbsentLookups()).as("answered without the cache or a query").isEqualTo(3);

                other.registrations().register(registration("NoBody", "ACC-2", TOKEN_B, T0, "INBOX"));
                assertThat(cached.registrationsOf("nobody")).as("registered elsewhere: no longer known absent")
                        .extracting(Registration::deviceToken).containsExactly(TOKEN_B);
                cached.register(registration("newcomer", "ACC-3", TOKEN_A, T0, "INBOX"));
                assertThat(cached.registrationsOfUsers(List.of("newcomer")).get("newcomer")).hasSize(1);
                assertThat(cached.knownAbsentLookups()).isEqualTo(3);
                assertThat(cached.knownUsers()).isEqualTo(3);

                other.registrations().remove("early", null);
                assertThat(cached.registrationsOf("early")).isEmpty();
                assertThat(cached.knownUsers()).as("dropped by the lookup that found nothing").isEqualTo(2);
                assertThat(cached.registrationsOf("early")).isEmpty();
                assertThat(cached.knownAbsentLookups()).isEqualTo(4);
            }
        }
    }

    /**
     * Two stores with routing caches on one database in one process (the service, and an admin command run in the
     * same JVM): each is told of the other's writes, and one closing does not deafen the other.
     */
    @Test
    void twoCachedStoresOnOneDatabaseEachHearTheOthersChanges() {
        final String url = "jdbc:h2:mem:two-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (TokenStore service = new TokenStoreBuilder().url(url)
                .cache(TokenStoreBuilder.CacheMode.ON, 1_000, java.time.Duration.ofHours(1)).build()) {
            assertThat(service.registrations().registrationsOf("carol")).isEmpty();
            try (TokenStore admin = new TokenStoreBuilder().url(url)
                    .cache(TokenStoreBuilder.CacheMode.ON, 1_000, java.time.Duration.ofHours(1)).build()) {
                admin.registrations().register(registration("carol", "ACC-1", TOKEN_A, T0, "INBOX"));
                assertThat(service.registrations().registrationsOf("carol")).hasSize(1);
            }
            try (TokenStore other = new TokenStoreBuilder().url(url)
                    .cache(TokenStoreBuilder.CacheMode.OFF, 1_000, java.time.Duration.ofHours(1)).build()) {
                other.registrations().register(registration("dave", "ACC-2", TOKEN_B, T0, "INBOX"));
            }
            assertThat(service.registrations().registrationsOf("dave"))
                    .as("still listening after the admin's store closed").hasSize(1);
        }
    }

    /** Past its bound the index gives up: lookups go to the database, still right. */
    @Test
    void pastItsBoundTheIndexStepsAsideAndLookupsStayRight() {
        final String url = "jdbc:h2:mem:bound-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (TokenStore opened = new TokenStoreBuilder().url(url).knownUsers(2)
                .cache(TokenStoreBuilder.CacheMode.ON, 1_000, java.time.Duration.ofHours(1)).build()) {
            final CachingRegistrationStore cached = (CachingRegistrationStore) opened.registrations();
            for (int n = 0; n < 3; n++) {
                cached.register(registration("user" + n, "ACC-" + n, String.format("%064x", n), T0, "INBOX"));
            }
            assertThat(cached.knownUsers()).isEqualTo(-1);
            assertThat(cached.registrationsOfUsers(List.of("user0", "user2", "user9")))
                    .hasEntrySatisfying("user2", list -> assertThat(list).hasSize(1))
                    .containsEntry("user9", List.of());
            assertThat(cached.knownAbsentLookups()).isZero();
        }
    }
}
