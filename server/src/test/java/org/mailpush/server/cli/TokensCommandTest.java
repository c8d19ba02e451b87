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
import org.mailpush.store.Registration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mailpush tokens ...} against a configuration whose service is running. */
class TokensCommandTest {

    @TempDir
    Path dir;
    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService service;
    Path config;

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
    }

    @AfterEach
    void stop() {
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
        assertThat(backedUp.out()).startsWith("Backed up 30 registration(s) from h2 jdbc:h2:file:");

        final Path otherConfig = ExampleConfig.write(dir.resolve("other.yaml"), dir.resolve("other/tokens"),
                dir.resolve("other-notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        final Cli.Run restored = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.out()).isEqualTo("Restored 30 registration(s) from " + backup + " (replaced 0)\n");

        final Cli.Run refused = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("holds 30 registration(s); restore replaces them all: add --force");
        assertThat(mailpush("tokens", "restore", "--force", "-c", otherConfig.toString(), backup.toString()).exit())
                .isZero();
    }

    @Test
    void exportAndImportMergeAndXapsdImport() throws Exception {
        final Path export = dir.resolve("tokens.jsonl");
        assertThat(mailpush("tokens", "export", "-c", config.toString(), export.toString()).out())
                .isEqualTo("Exported 30 registration(s) to " + export + "\n");
        assertThat(Files.readAllLines(export)).hasSize(32);

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
        assertThat(merged.out()).as("the same registrations again: nothing newer").startsWith("Imported 0 ");
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
        assertThat(all.out()).startsWith("USER").endsWith("30 registration(s)\n");
        final String token = String.format("%064x", 4);
        assertThat(all.out()).contains(token.substring(0, 8) + "…").doesNotContain(token);

        final Cli.Run one = mailpush("tokens", "list", "--user", "user1", "--full", "-c", config.toString());
        assertThat(one.out()).contains(token).endsWith("10 registration(s) of user1\n");
        assertThat(one.out().lines().filter(line -> line.startsWith("user1 "))).hasSize(10);
    }

    @Test
    void showPrintsEveryDetailOfAUsersDevice() {
        final String token = String.format("%064x", 4);
        final Cli.Run shown = mailpush("tokens", "show", "--user", "user1", "--device", token.substring(0, 20),
                "-c", config.toString());
        assertThat(shown.exit()).as(shown.err()).isZero();
        assertThat(shown.out()).contains("user            user1", "device token    " + token.substring(0, 8) + "…",
                "account id      ACC-4", "aps-version     2", "subtopic        com.apple.mobilemail",
                "topic           " + pki.client().topic(), "mailboxes       INBOX", "last registered  ");
        final Cli.Run missing = mailpush("tokens", "show", "--user", "nobody", "-c", config.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("mailpush: no registration of nobody\n");
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

        final Cli.Run one = mailpush("tokens", "revoke", "--user", "user1", "--device", token, "-c",
                config.toString());
        assertThat(one.exit()).as(one.err()).isZero();
        assertThat(one.out()).isEqualTo("Revoked 1 registration(s) of user1 for device " + token.substring(0, 8)
                + "…\n");
        assertThat(service.registrations().registrationsOf("user1")).hasSize(9);

        final Cli.Run all = mailpush("tokens", "revoke", "--user", "user2", "-c", config.toString());
        assertThat(all.out()).isEqualTo("Revoked 10 registration(s) of user2\n");
        assertThat(service.registrations().registrationsOf("user2")).isEmpty();
        assertThat(service.registrations().count()).isEqualTo(19);
    }
}
