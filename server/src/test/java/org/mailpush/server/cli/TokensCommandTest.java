package org.mailpush.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mailpush tokens ...} against a configuration whose service is running. */
class TokensCommandTest {

    @TempDir
    Path dir;
    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService service;
    /** The service's store, opened a second time for what the service has no door for yet: DAV subscriptions. */
    TokenStore tokens;
    Path config;
    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.test-uuid";
    /** user1's phone: device 4 has a mail registration, a calendar and an address book. */
    static final String PHONE = String.format("%064x", 4);
    /** user1's Mac: calendar only. */
    static final String MAC = "ee".repeat(32);
    static final Instant SUBSCRIBED = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeEach
    void startService() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), dir.resolve("notify"),
                null, apns.port(), pki.caCertificateFile(), pki.client().p12File(), pki.client().p12PasswordFile());
        service = MailpushService.start(ConfigLoader.load(config));
        for (int n = 0; n < 30; n++) {
            service.registrations().register(Registration.of("user" + n % 3, "ACC-" + n, String.format("%064x", n),
                    "com.apple.mobilemail", 2, Set.of("INBOX"), pki.client().topic(), Instant.now()));
        }
        tokens = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("data/tokens")).build();
        tokens.subscriptions().subscribe(dav(PHONE, "cal-1", PushTarget.Kind.CALENDAR));
        tokens.subscriptions().subscribe(dav(PHONE, "book-1", PushTarget.Kind.CONTACTS));
        tokens.subscriptions().subscribe(dav(MAC, "cal-1", PushTarget.Kind.CALENDAR));
    }

    static DavSubscription dav(final String token, final String collection, final PushTarget.Kind kind) {
        return new DavSubscription(token, collection, "user1/" + collection, kind == PushTarget.Kind.CALENDAR
                ? CALENDAR_TOPIC : "com.apple.contact.XServer.test-uuid", kind, "user1", SUBSCRIBED, SUBSCRIBED,
                SUBSCRIBED.plus(Duration.ofDays(1)));
    }

    @AfterEach
    void stop() {
        if (tokens != null) {
            tokens.close();
        }
        if (service != null) {
            service.close();
        }
        apns.close();
    }

    static Cli.Run mailpush(final String... args) {
        return Cli.mailpush(args);
    }

    @Test
    void backupWhileTheServiceRunsThenRestoreIntoAnotherInstall() throws Exception {
        final Path backup = dir.resolve("tokens.backup");
        final Cli.Run backedUp = mailpush("tokens", "backup", "--config", config.toString(), backup.toString());
        assertThat(backedUp.exit()).as(backedUp.err()).isZero();
        assertThat(backedUp.out()).startsWith("Backed up 30 registration(s) and 3 DAV subscription(s) from h2"
                + " jdbc:h2:file:");

        final Path otherConfig = ExampleConfig.write(dir.resolve("other.yaml"), dir.resolve("other/tokens"),
                dir.resolve("other-notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        final Cli.Run restored = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.out()).isEqualTo("Restored 30 registration(s) and 3 DAV subscription(s) from " + backup
                + " (replaced 0 registration(s) and 0 DAV subscription(s))\n");

        final Cli.Run refused = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("holds 30 registration(s) and 3 DAV subscription(s); restore replaces"
                + " them all: add --force");
        assertThat(mailpush("tokens", "restore", "--force", "-c", otherConfig.toString(), backup.toString()).exit())
                .isZero();
        final Cli.Run shown = mailpush("tokens", "show", "--user", "user1", "--device", MAC, "-c",
                otherConfig.toString());
        assertThat(shown.out()).as("the restored install has the DAV subscriptions").contains("push key        "
                + "user1/cal-1").doesNotContain("account id");
    }

    @Test
    void exportAndImportMergeAndXapsdImport() throws Exception {
        final Path export = dir.resolve("tokens.jsonl");
        assertThat(mailpush("tokens", "export", "-c", config.toString(), export.toString()).out())
                .isEqualTo("Exported 30 registration(s) and 3 DAV subscription(s) to " + export + "\n");
        assertThat(Files.readAllLines(export)).hasSize(35);

        final Path xapsd = Files.writeString(dir.resolve("database.json"), """
                {"Users":{"Carol":{"Accounts":{"C-1":{"DeviceToken":"%s","Mailboxes":["INBOX","Work"],
                "RegistrationTime":"2026-11-26T10:00:00Z"},"C-2":{"DeviceToken":"xyz","Mailboxes":["INBOX"],
                "RegistrationTime":"2026-11-26T10:00:00Z"}}}}}""".formatted("d".repeat(64)));
        final Cli.Run imported = mailpush("tokens", "import-xapsd", "-c", config.toString(), xapsd.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("Imported 1 of 1 xapsd registration(s)", "the store holds 31",
                "skipped user Carol, account C-2: device token xyz… is not hex");
        assertThat(service.registrations().registrationsWatching("carol", "Work")).hasSize(1);

        final Cli.Run merged = mailpush("tokens", "import", "-c", config.toString(), export.toString());
        assertThat(merged.out()).as("the same registrations again: nothing newer").startsWith("Imported 0"
                + " registration(s) and 0 DAV subscription(s) from ").endsWith("; the store holds 31 registration(s)"
                + " and 3 DAV subscription(s)\n");

        // The Mac's subscription was revoked meanwhile and the phone's calendar refreshed: a merge brings back the
        // first and keeps the refresh.
        tokens.subscriptions().removeSubscriptions("user1", MAC);
        final DavSubscription refreshed = new DavSubscription(PHONE, "cal-1", "user1/cal-1", CALENDAR_TOPIC,
                PushTarget.Kind.CALENDAR, "user1", SUBSCRIBED, SUBSCRIBED.plusSeconds(60),
                SUBSCRIBED.plus(Duration.ofDays(2)));
        tokens.subscriptions().subscribe(refreshed);
        final Cli.Run again = mailpush("tokens", "import", "-c", config.toString(), export.toString());
        assertThat(again.out()).startsWith("Imported 0 registration(s) and 1 DAV subscription(s) from ");
        assertThat(tokens.subscriptions().findSubscription(refreshed.key())).contains(refreshed);
        assertThat(tokens.subscriptions().countSubscriptions()).isEqualTo(3);
    }

    @Test
    void aBadConfigurationIsOneLineAndExitCode78() {
        final Cli.Run run = mailpush("tokens", "backup", "-c", dir.resolve("missing.yaml").toString(), "x");
        assertThat(run.exit()).isEqualTo(78);
        assertThat(run.err()).isEqualTo("mailpush: " + dir.resolve("missing.yaml") + ": no such file\n");
    }

    @Test
    void listShowsMaskedTokensAndFullOnlyWhenAsked() {
        final Cli.Run all = mailpush("tokens", "list", "-c", config.toString());
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(all.out()).startsWith("USER").contains("30 registration(s)\n")
                .endsWith("3 DAV subscription(s)\n");
        final String token = String.format("%064x", 4);
        assertThat(all.out()).contains(token.substring(0, 8) + "…").doesNotContain(token).doesNotContain(MAC);
        assertThat(all.out().lines().filter(line -> line.startsWith("USER "))).hasSize(2);
        assertThat(all.out().lines().filter(line -> line.contains(" calendar ") || line.contains(" contacts ")))
                .containsExactly(
                        "%-24s %-10s %-8s %-40s %s".formatted("user1", "00000000…", "contacts", "user1/book-1",
                                SUBSCRIBED.plus(Duration.ofDays(1))),
                        "%-24s %-10s %-8s %-40s %s".formatted("user1", "00000000…", "calendar", "user1/cal-1",
                                SUBSCRIBED.plus(Duration.ofDays(1))),
                        "%-24s %-10s %-8s %-40s %s".formatted("user1", "eeeeeeee…", "calendar", "user1/cal-1",
                                SUBSCRIBED.plus(Duration.ofDays(1))));

        final Cli.Run one = mailpush("tokens", "list", "--user", "user1", "--full", "-c", config.toString());
        assertThat(one.out()).contains(token, MAC).contains("10 registration(s) of user1\n")
                .endsWith("3 DAV subscription(s) of user1\n");
        assertThat(one.out().lines().filter(line -> line.startsWith("user1 "))).hasSize(13);

        final Cli.Run other = mailpush("tokens", "list", "--user", "user2", "-c", config.toString());
        assertThat(other.out()).as("no DAV table without subscriptions").endsWith("10 registration(s) of user2\n"
                + "0 DAV subscription(s) of user2\n");
        assertThat(other.out().lines().filter(line -> line.startsWith("USER "))).hasSize(1);
    }

    @Test
    void showPrintsEveryDetailOfAUsersDevice() {
        final String token = String.format("%064x", 4);
        final Cli.Run shown = mailpush("tokens", "show", "--user", "user1", "--device", token.substring(0, 20),
                "-c", config.toString());
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("user            user1", "device token    " + token.substring(0, 8) + "…",
                "account id      ACC-4", "aps-version     2", "subtopic        com.apple.mobilemail",
                "topic           " + pki.client().topic(), "mailboxes       INBOX", "last registered  ",
                "DAV kind        calendar", "DAV kind        contacts", "push key        user1/book-1",
                "collection id   cal-1", "topic           " + CALENDAR_TOPIC, "first subscribed " + SUBSCRIBED,
                "expires          " + SUBSCRIBED.plus(Duration.ofDays(1)));
        assertThat(shown.out()).doesNotContain(token).doesNotContain("eeeeeeee").doesNotContain("(expired)");
        assertThat(shown.out().lines().filter(line -> line.startsWith("device token"))).as("10 registrations, 2 DAV")
                .hasSize(12);

        // An expired subscription (not yet swept) is shown as such.
        final Instant past = SUBSCRIBED.minus(Duration.ofDays(3));
        tokens.subscriptions().subscribe(new DavSubscription(MAC, "old-1", "user1/old-1", CALENDAR_TOPIC,
                PushTarget.Kind.CALENDAR, "user1", past, past, past.plus(Duration.ofDays(1))));
        assertThat(mailpush("tokens", "show", "--user", "user1", "--device", MAC, "-c", config.toString()).out())
                .contains("expires          " + past.plus(Duration.ofDays(1)) + " (expired)");

        final Cli.Run missing = mailpush("tokens", "show", "--user", "nobody", "-c", config.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("mailpush: no registration or DAV subscription of nobody\n");
    }

    @Test
    void revokeRemovesOneDeviceOrAllOfAUser() {
        final String token = String.format("%064x", 4);
        final Cli.Run tooShort = mailpush("tokens", "revoke", "--user", "user1", "--device", "0000", "-c",
                config.toString());
        assertThat(tooShort.exit()).isEqualTo(1);
        assertThat(tooShort.err()).contains("--device needs at least the 8 characters");
        final Cli.Run ambiguous = mailpush("tokens", "revoke", "--user", "user1", "--device", "00000000", "-c",
                config.toString());
        assertThat(ambiguous.exit()).isEqualTo(1);
        assertThat(ambiguous.err()).contains("matches 10 devices of user1; give more of the token");
        final Cli.Run macOnly = mailpush("tokens", "revoke", "--user", "user1", "--device", "eeeeeeee",
                "-c", config.toString());
        assertThat(macOnly.out()).as("the Mac has DAV subscriptions only")
                .isEqualTo("Revoked 0 registration(s) and 1 DAV subscription(s) of user1 for device eeeeeeee…\n");

        final Cli.Run one = mailpush("tokens", "revoke", "--user", "user1", "--device", token, "-c",
                config.toString());
        assertThat(one.exit()).as(one.err()).isZero();
        assertThat(one.out()).isEqualTo("Revoked 1 registration(s) and 2 DAV subscription(s) of user1 for device "
                + token.substring(0, 8) + "…\n");
        assertThat(service.registrations().registrationsOf("user1")).hasSize(9);
        assertThat(tokens.subscriptions().subscriptionsOf("user1")).isEmpty();

        final Cli.Run all = mailpush("tokens", "revoke", "--user", "user2", "-c", config.toString());
        assertThat(all.out()).isEqualTo("Revoked 10 registration(s) and 0 DAV subscription(s) of user2\n");
        assertThat(service.registrations().registrationsOf("user2")).isEmpty();
        assertThat(service.registrations().count()).isEqualTo(19);
    }
}
