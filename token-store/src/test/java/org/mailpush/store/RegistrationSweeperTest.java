package org.mailpush.store;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.testing.ManualTime;
import org.slf4j.LoggerFactory;

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
            try (RegistrationSweeper sweeper = RegistrationSweeper.start(store, opened.subscriptions(),
                    Duration.ofDays(30), Duration.ofMillis(50), Clock.fixed(now, ZoneOffset.UTC))) {
                await().atMost(Duration.ofSeconds(5)).until(() -> store.count() == 1);
                assertThat(store.registrationsOf("u")).extracting(Registration::accountId).containsExactly("NEW");
                assertThat(sweeper.sweep()).isEqualTo(new RegistrationSweeper.Swept(0, 0));
            }
        }
    }

    /**
     * On a manual clock and scheduler: each sweep removes the DAV subscriptions whose expiry the clock has reached,
     * keeps the others (a refreshed one among them), and logs how many it removed.
     */
    @Test
    void sweepsDavSubscriptionsPastTheirExpiryAndLogsTheCount(@TempDir final Path dir) {
        final Instant start = Instant.parse("2026-11-27T12:00:00Z");
        final ManualTime time = new ManualTime(start);
        final ListAppender<ILoggingEvent> logged = new ListAppender<>();
        final Logger log = (Logger) LoggerFactory.getLogger(RegistrationSweeper.class);
        logged.start();
        log.addAppender(logged);
        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build()) {
            final DavSubscriptionStore subscriptions = opened.subscriptions();
            subscriptions.subscribe(subscription("a", "cal-1", start.minus(Duration.ofHours(23)), Duration.ofDays(1)));
            subscriptions.subscribe(subscription("b", "cal-1", start.minus(Duration.ofHours(10)), Duration.ofDays(1)));
            subscriptions.subscribe(subscription("c", "book-1", start.minus(Duration.ofHours(23)), Duration.ofDays(1)));
            // c refreshed: a day from now.
            subscriptions.subscribe(subscription("c", "book-1", start, Duration.ofDays(1)));
            try (RegistrationSweeper sweeper = RegistrationSweeper.start(opened.registrations(), subscriptions,
                    Duration.ofDays(30), Duration.ofHours(1), time.clock(), time.scheduler())) {
                assertThat(subscriptions.countSubscriptions()).isEqualTo(3);

                time.advance(Duration.ofHours(1)); // a's expiry (start + 1 h) reached by the first sweep
                assertThat(subscriptions.countSubscriptions()).isEqualTo(2);
                assertThat(subscriptions.findSubscription(new DavSubscriptionKey(token("a"), "cal-1"))).isEmpty();

                time.advance(Duration.ofHours(13)); // b's (start + 14 h) by the 14th
                assertThat(subscriptions.countSubscriptions()).isEqualTo(1);
                assertThat(subscriptions.findSubscription(new DavSubscriptionKey(token("c"), "book-1"))).isPresent();
                assertThat(sweeper.sweep()).isEqualTo(new RegistrationSweeper.Swept(0, 0));
            }
            assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                    "Expired 1 DAV subscription(s) not refreshed before their expiry",
                    "Expired 1 DAV subscription(s) not refreshed before their expiry");
        } finally {
            log.detachAppender(logged);
        }
    }

    static String token(final String digit) {
        return digit.repeat(64);
    }

    private static DavSubscription subscription(final String digit, final String collection, final Instant at,
                                                final Duration expiry) {
        return new DavSubscription(token(digit), collection, "u/" + collection, "com.apple.calendar.XServer.t",
                PushTarget.Kind.CALENDAR, "u", at, at, at.plus(expiry));
    }
}
