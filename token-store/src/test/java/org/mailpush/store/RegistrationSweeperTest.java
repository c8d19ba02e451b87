package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RegistrationSweeperTest {

    @Test
    void expiresWhatWasNotRenewedWithinTheAgeOnItsSchedule(@TempDir final Path dir) {
        final Instant now = Instant.parse("2026-11-27T12:00:00Z");
        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build()) {
            final RegistrationStore store = opened.registrations();
            store.register(Registration.of("u", "OLD", "a".repeat(64), "com.apple.mobilemail", 2, Set.of("INBOX"),
                    null, now.minus(Duration.ofDays(31))));
            store.register(Registration.of("u", "NEW", "b".repeat(64), "com.apple.mobilemail", 2, Set.of("INBOX"),
                    null, now.minus(Duration.ofDays(29))));
            try (RegistrationSweeper sweeper = RegistrationSweeper.start(store, Duration.ofDays(30),
                    Duration.ofMillis(50), Clock.fixed(now, ZoneOffset.UTC))) {
                await().atMost(Duration.ofSeconds(5)).until(() -> store.count() == 1);
                assertThat(store.registrationsOf("u")).extracting(Registration::accountId).containsExactly("NEW");
                assertThat(sweeper.sweep()).isZero();
            }
        }
    }
}
