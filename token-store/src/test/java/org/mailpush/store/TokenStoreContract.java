package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The behaviour every engine must show; one subclass per engine supplies the store. */
abstract class TokenStoreContract {

    static final String TOKEN_A = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String TOKEN_B = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00.123456Z");

    TokenStore tokenStore;
    /** The registrations of {@link #tokenStore}: what most of the contract is about. */
    RegistrationStore store;
    PushQueue queue;

    abstract TokenStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        tokenStore = openStore();
        store = tokenStore.registrations();
        queue = tokenStore.pushQueue();
    }

    @AfterEach
    void closeStore() {
        tokenStore.close();
    }

    static Registration registration(final String user, final String account, final String token,
                                     final Instant at, final String... mailboxes) {
        return Registration.of(user, account, token, "com.apple.mobilemail", 2, Set.of(mailboxes),
                "com.apple.mail.XServer.test", at);
    }

    @Test
    void registerThenRouteByOwnerAndMailbox() {
        assertThat(store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX", "Sent")))
                .isEqualTo(RegistrationStore.RegisterOutcome.ADDED);

        assertThat(store.registrationsWatching("test", "INBOX")).singleElement().satisfies(r -> {
            assertThat(r.deviceToken()).isEqualTo(TOKEN_A);
            assertThat(r.accountId()).isEqualTo("ACC-1");
            assertThat(r.mailboxes()).containsExactlyInAnyOrder("INBOX", "Sent");
            assertThat(r.topic()).isEqualTo("com.apple.mail.XServer.test");
            assertThat(r.firstRegistered()).isEqualTo(T0);
            assertThat(r.lastRegistered()).isEqualTo(T0);
        });
        assertThat(store.registrationsWatching("test", "inbox")).hasSize(1);
        assertThat(store.registrationsWatching("test", "Sent")).hasSize(1);
        assertThat(store.registrationsWatching("test", "sent")).isEmpty();
        assertThat(store.registrationsWatching("test", "Trash")).isEmpty();
        assertThat(store.registrationsWatching("other", "INBOX")).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void twoPhonesWithTheSameAccountIdAreTwoRegistrations() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        store.register(registration("test", "ACC-1", TOKEN_B, T0, "INBOX"));

        assertThat(store.registrationsWatching("test", "INBOX")).extracting(Registration::deviceToken)
                .containsExactlyInAnyOrder(TOKEN_A, TOKEN_B);
    }

    @Test
    void reRegistrationRefreshesAndReplacesMailboxes() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX", "Sent"));
        final Instant later = T0.plus(Duration.ofDays(1));

        assertThat(store.register(registration("test", "ACC-1", TOKEN_A, later, "INBOX", "Work")))
                .isEqualTo(RegistrationStore.RegisterOutcome.REFRESHED);

        final Registration stored = store.find(new RegistrationKey("ACC-1", TOKEN_A)).orElseThrow();
        assertThat(stored.mailboxes()).containsExactlyInAnyOrder("INBOX", "Work");
        assertThat(stored.firstRegistered()).isEqualTo(T0);
        assertThat(stored.lastRegistered()).isEqualTo(later);
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void removalByApnsRespectsALaterReRegistration() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        final RegistrationKey key = new RegistrationKey("ACC-1", TOKEN_A);

        assertThat(store.removeUnlessRegisteredAfter(key, T0.minusSeconds(1))).isFalse();
        assertThat(store.find(key)).isPresent();

        assertThat(store.removeUnlessRegisteredAfter(key, T0.plusSeconds(1))).isTrue();
        assertThat(store.find(key)).isEmpty();
        assertThat(store.registrationsWatching("test", "INBOX")).isEmpty();
        assertThat(store.count()).isZero();
    }

    @Test
    void registrationWithNoMailboxesWatchesNothing() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0));
        assertThat(store.registrationsOf("test")).singleElement()
                .satisfies(r -> assertThat(r.mailboxes()).isEmpty());
        assertThat(store.registrationsWatching("test", "INBOX")).isEmpty();
    }

    @Test
    void namesWithSpacesAndNonAsciiRoundTrip() {
        store.register(registration("jörg@example.org", "ACC-1", TOKEN_A, T0, "Work Stuff", "Entwürfe", "INBOX/日本"));
        assertThat(store.registrationsWatching("jörg@example.org", "Entwürfe")).hasSize(1);
        assertThat(store.registrationsWatching("jörg@example.org", "Work Stuff")).hasSize(1);
        assertThat(store.registrationsWatching("jörg@example.org", "inbox/日本")).hasSize(1);
    }

    @Test
    void concurrentRegistrationsOfOneDeviceNeitherFailNorDuplicate() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Callable<RegistrationStore.RegisterOutcome>> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                final Instant at = T0.plus(i, ChronoUnit.SECONDS);
                tasks.add(() -> store.register(registration("test", "ACC-1", TOKEN_A, at, "INBOX")));
            }
            int added = 0;
            for (final Future<RegistrationStore.RegisterOutcome> outcome : pool.invokeAll(tasks)) {
                if (outcome.get() == RegistrationStore.RegisterOutcome.ADDED) {
                    added++;
                }
            }
            assertThat(added).isEqualTo(1);
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.find(new RegistrationKey("ACC-1", TOKEN_A)).orElseThrow().mailboxes())
                    .containsExactly("INBOX");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Group commits racing over the same new devices (two processes' routers): none fails, none duplicates. */
    @org.junit.jupiter.api.RepeatedTest(5)
    void concurrentGroupCommitsOfTheSameDevicesNeitherFailNorDuplicate() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Callable<List<RegistrationStore.RegisterResult>>> tasks = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                final Instant at = T0.plus(i, ChronoUnit.SECONDS);
                final List<Registration> batch = new java.util.ArrayList<>();
                for (int n = 0; n < 50; n++) {
                    batch.add(registration("user" + n, "ACC-" + n, String.format("%064x", n), at, "INBOX"));
                }
                // Each router met the phones in its own order: locks taken in batch order would deadlock.
                java.util.Collections.shuffle(batch, new java.util.Random(i));
                tasks.add(() -> store.registerAll(batch));
            }
            int added = 0;
            for (final Future<List<RegistrationStore.RegisterResult>> results : pool.invokeAll(tasks)) {
                for (final RegistrationStore.RegisterResult result : results.get()) {
                    if (result.outcome() == RegistrationStore.RegisterOutcome.ADDED) {
                        added++;
                    }
                }
            }
            assertThat(added).as("each device added once").isEqualTo(50);
            assertThat(store.count()).isEqualTo(50);
            assertThat(store.registrationsOf("user7")).singleElement()
                    .satisfies(r -> assertThat(r.mailboxes()).containsExactly("INBOX"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void answersReachable() {
        assertThat(tokenStore.isReachable()).isTrue();
    }

    @Test
    void usernamesAreComparedWithoutCaseByDefault() {
        store.register(registration("Bob@Example.org", "ACC-1", TOKEN_A, T0, "INBOX"));
        assertThat(store.registrationsWatching("bob@example.org", "INBOX")).singleElement()
                .satisfies(r -> assertThat(r.username()).isEqualTo("bob@example.org"));
        assertThat(store.registrationsOf("BOB@EXAMPLE.ORG")).hasSize(1);
    }

    @Test
    void removesAllDevicesOfAUserOrOne() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        store.register(registration("test", "ACC-2", TOKEN_B, T0, "INBOX"));
        store.register(registration("other", "ACC-3", TOKEN_A, T0, "INBOX"));

        assertThat(store.remove("test", TOKEN_B.toUpperCase())).isEqualTo(1);
        assertThat(store.registrationsOf("test")).extracting(Registration::deviceToken).containsExactly(TOKEN_A);
        assertThat(store.remove("TEST", null)).isEqualTo(1);
        assertThat(store.registrationsOf("test")).isEmpty();
        assertThat(store.registrationsOf("other")).hasSize(1);
    }

    @Test
    void expiresRegistrationsNotRenewedSinceTheCutoff() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0.minus(Duration.ofDays(31)), "INBOX"));
        store.register(registration("test", "ACC-2", TOKEN_B, T0.minus(Duration.ofDays(29)), "INBOX"));

        assertThat(store.expireRegisteredBefore(T0.minus(Duration.ofDays(30)))).isEqualTo(1);
        assertThat(store.registrationsWatching("test", "INBOX")).extracting(Registration::accountId)
                .containsExactly("ACC-2");
    }

    @Test
    void exportThenReplaceRestoresExactlyTheSameContent() {
        for (int i = 0; i < 25; i++) {
            store.register(registration("user" + (i % 5), "ACC-" + i, TOKEN_A, T0.plusSeconds(i), "INBOX", "Box " + i));
        }
        final List<Registration> exported = new java.util.ArrayList<>();
        assertThat(store.export(exported::add)).isEqualTo(25);
        assertThat(exported).extracting(Registration::accountId).isSorted();

        store.register(registration("intruder", "ACC-X", TOKEN_B, T0, "INBOX"));
        store.remove("user0", null);
        assertThat(store.importRegistrations(exported, RegistrationStore.ImportMode.REPLACE)).isEqualTo(25);

        final List<Registration> again = new java.util.ArrayList<>();
        store.export(again::add);
        assertThat(again).isEqualTo(exported);
        assertThat(store.registrationsOf("intruder")).isEmpty();
    }

    @Test
    void mergeKeepsWhicheverRegistrationIsNewer() {
        store.register(registration("test", "ACC-1", TOKEN_A, T0, "INBOX"));
        store.register(registration("test", "ACC-2", TOKEN_A, T0, "INBOX"));

        final long written = store.importRegistrations(List.of(
                registration("test", "ACC-1", TOKEN_A, T0.minusSeconds(60), "Old"),
                registration("test", "ACC-2", TOKEN_A, T0.plusSeconds(60), "Newer"),
                registration("test", "ACC-3", TOKEN_A, T0, "Fresh")), RegistrationStore.ImportMode.MERGE);

        assertThat(written).isEqualTo(2);
        assertThat(store.find(new RegistrationKey("ACC-1", TOKEN_A)).orElseThrow().mailboxes()).containsExactly(
                "INBOX");
        assertThat(store.find(new RegistrationKey("ACC-2", TOKEN_A)).orElseThrow().mailboxes()).containsExactly(
                "Newer");
        assertThat(store.find(new RegistrationKey("ACC-3", TOKEN_A))).isPresent();
    }

    @Test
    void aUserBeyondTheDeviceLimitGetsNoNewDeviceButKeepsTheOldOnes() {
        for (int n = 0; n < 100; n++) {
            store.register(registration("busy", "ACC-" + n, String.format("%064x", n), T0, "INBOX"));
        }
        final String newcomer = String.format("%064x", 100);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.register(registration("busy", "ACC-100",
                        newcomer, T0, "INBOX")))
                .isInstanceOf(RegistrationLimitException.class)
                .hasMessage("user busy already has 100 registered devices, the most allowed"
                        + " (store.max-devices-per-user); remove old ones with 'mailpush tokens revoke'");
        assertThat(store.registrationsOf("busy")).hasSize(100);
        // A device already there registers again as usual; another user is not affected.
        assertThat(store.register(registration("busy", "ACC-7", String.format("%064x", 7), T0.plusSeconds(60),
                "INBOX"))).isEqualTo(RegistrationStore.RegisterOutcome.REFRESHED);
        assertThat(store.register(registration("calm", "ACC-1", newcomer, T0, "INBOX")))
                .isEqualTo(RegistrationStore.RegisterOutcome.ADDED);
        // Room again after a revoke.
        store.remove("busy", String.format("%064x", 0));
        assertThat(store.register(registration("busy", "ACC-100", newcomer, T0, "INBOX")))
                .isEqualTo(RegistrationStore.RegisterOutcome.ADDED);
    }

    @Test
    void registerAllStoresEachAsRegisterWouldWithItsOwnOutcome() {
        for (int n = 0; n < 100; n++) {
            store.register(registration("busy", "ACC-" + n, String.format("%064x", n), T0, "INBOX"));
        }
        final List<RegistrationStore.RegisterResult> results = store.registerAll(List.of(
                registration("calm", "ACC-1", TOKEN_A, T0, "INBOX"),
                registration("busy", "ACC-100", String.format("%064x", 100), T0, "INBOX"),
                registration("busy", "ACC-7", String.format("%064x", 7), T0.plusSeconds(60), "INBOX", "Sent"),
                registration("Calm", "ACC-2", TOKEN_B, T0, "INBOX"),
                registration("calm", "ACC-1", TOKEN_A, T0.plusSeconds(1), "Sent")));
        assertThat(results).extracting(RegistrationStore.RegisterResult::outcome).containsExactly(
                RegistrationStore.RegisterOutcome.ADDED, null, RegistrationStore.RegisterOutcome.REFRESHED,
                RegistrationStore.RegisterOutcome.ADDED, RegistrationStore.RegisterOutcome.REFRESHED);
        assertThat(results.get(1).refused()).isInstanceOf(RegistrationLimitException.class);
        assertThat(store.registrationsOf("busy")).hasSize(100);
        assertThat(store.registrationsWatching("busy", "Sent")).extracting(Registration::accountId)
                .containsExactly("ACC-7");
        assertThat(store.registrationsOf("calm")).hasSize(2);
        assertThat(store.registrationsWatching("calm", "Sent")).as("the later of two in one batch wins")
                .extracting(Registration::deviceToken).containsExactly(TOKEN_A);
        assertThat(store.count()).isEqualTo(102);
    }

    @Test
    void registrationsOfUsersAnswersEveryUserAskedInBatches() {
        final List<Registration> batch = new java.util.ArrayList<>();
        for (int n = 0; n < 1_200; n += 2) {
            batch.add(registration("user" + n, "ACC-" + n, String.format("%064x", n), T0, "INBOX"));
        }
        store.registerAll(batch);
        final List<String> asked = new java.util.ArrayList<>();
        for (int n = 0; n < 1_200; n++) {
            asked.add(n == 4 ? "USER4" : "user" + n);
        }
        final java.util.Map<String, List<Registration>> found = store.registrationsOfUsers(asked);
        assertThat(found).hasSize(1_200);
        assertThat(found.get("user0")).extracting(Registration::accountId).containsExactly("ACC-0");
        assertThat(found.get("USER4")).as("folded as the store compares users").extracting(Registration::accountId)
                .containsExactly("ACC-4");
        assertThat(found.get("user1")).isEmpty();
        assertThat(found.get("user1198")).hasSize(1);
        assertThat(found.values().stream().filter(list -> !list.isEmpty()).count()).isEqualTo(600);
        assertThat(store.foldUsername("USER4")).isEqualTo("user4");
    }
}
