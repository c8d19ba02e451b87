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
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
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
            service.store().register(Registration.of("user" + n % 3, "ACC-" + n, String.format("%064x", n),
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

    record Run(int exit, String out, String err) {
    }

    static Run mailpush(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine command = MailpushCommand.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        final int exit = command.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void backupWhileTheServiceRunsThenRestoreIntoAnotherInstall() throws Exception {
        final Path backup = dir.resolve("tokens.backup");
        final Run backedUp = mailpush("tokens", "backup", "--config", config.toString(), backup.toString());
        assertThat(backedUp.exit()).as(backedUp.err()).isZero();
        assertThat(backedUp.out()).startsWith("Backed up 30 registration(s) from h2 jdbc:h2:file:");

        final Path otherConfig = ExampleConfig.write(dir.resolve("other.yaml"), dir.resolve("other/tokens"),
                dir.resolve("other-notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        final Run restored = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
        assertThat(restored.exit()).as(restored.err()).isZero();
        assertThat(restored.out()).isEqualTo("Restored 30 registration(s) from " + backup + " (replaced 0)\n");

        final Run refused = mailpush("tokens", "restore", "-c", otherConfig.toString(), backup.toString());
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
        final Run imported = mailpush("tokens", "import-xapsd", "-c", config.toString(), xapsd.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("Imported 1 of 1 xapsd registration(s)", "the store holds 31",
                "skipped user Carol, account C-2: device token xyz… is not hex");
        assertThat(service.store().registrationsWatching("carol", "Work")).hasSize(1);

        final Run merged = mailpush("tokens", "import", "-c", config.toString(), export.toString());
        assertThat(merged.out()).as("the same registrations again: nothing newer").startsWith("Imported 0 ");
    }

    @Test
    void aBadConfigurationIsOneLineAndExitCode78() {
        final Run run = mailpush("tokens", "backup", "-c", dir.resolve("missing.yaml").toString(), "x");
        assertThat(run.exit()).isEqualTo(78);
        assertThat(run.err()).isEqualTo("mailpush: " + dir.resolve("missing.yaml") + ": no such file\n");
    }
}
