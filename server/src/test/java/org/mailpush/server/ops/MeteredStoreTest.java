package org.mailpush.server.ops;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.store.PushQueue;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.store.TokenStoreException;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The metered registrations and push queue count what they pass on, and the store's failures by operation. */
class MeteredStoreTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void registrationsCountTheirLifecycleAndLookupFailures() {
        // No routing cache: every lookup reaches the database, closed below.
        final TokenStore store = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens"))
                .cache(TokenStoreBuilder.CacheMode.OFF, 1, Duration.ofMinutes(1)).build();
        final MeteredRegistrationStore registrations = new MeteredRegistrationStore(store.registrations(), registry);
        registrations.register(registration("ACC-1"));
        registrations.register(registration("ACC-1"));
        assertThat(registrations.registrationsWatching("bob", "INBOX")).hasSize(1);
        assertThat(changes("added")).isEqualTo(1);
        assertThat(changes("refreshed")).isEqualTo(1);

        store.close();
        // The interface's own registrationsWatching goes through the metered registrationsOf: one lookup error.
        assertThatThrownBy(() -> registrations.registrationsWatching("bob", "INBOX"))
                .isInstanceOf(TokenStoreException.class);
        assertThat(errors("lookup")).isEqualTo(1);
    }

    @Test
    void theQueuePassesPushesOnAndCountsItsFailures() {
        final TokenStore store = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        final PushQueue queue = new MeteredPushQueue(store.pushQueue(), registry);
        queue.enqueue(new RegistrationKey("ACC-1", "a".repeat(64)), true, Instant.now());
        assertThat(queue.size()).isEqualTo(1);
        queue.settle("pusher", queue.claim("pusher", 10, Instant.now(), Duration.ofSeconds(30)));
        assertThat(queue.size()).isZero();
        assertThat(errors("queue")).isZero();

        store.close();
        assertThatThrownBy(queue::size).isInstanceOf(TokenStoreException.class);
        assertThatThrownBy(() -> queue.claim("pusher", 10, Instant.now(), Duration.ofSeconds(30)))
                .isInstanceOf(TokenStoreException.class);
        assertThatThrownBy(() -> queue.renew("pusher", List.of(1L), Instant.now()))
                .isInstanceOf(TokenStoreException.class);
        assertThat(errors("queue")).isEqualTo(3);
    }

    private double changes(final String change) {
        return registry.get("mailpush_registration_changes").tag("change", change).counter().count();
    }

    private double errors(final String operation) {
        final var counter = registry.find("mailpush_store_errors").tag("operation", operation).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Registration registration(final String account) {
        return Registration.of("bob", account, "a".repeat(64), "com.apple.mobilemail", 2, Set.of("INBOX"), null,
                Instant.now());
    }
}
