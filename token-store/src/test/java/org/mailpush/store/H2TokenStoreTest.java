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
}
