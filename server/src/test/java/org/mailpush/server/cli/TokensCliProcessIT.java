package org.mailpush.server.cli;

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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged {@code mailpush.jar} run as a second process against the H2 store of a running service: the admin
 * commands reach the open database through H2's auto-server, and what they write is what the service reads.
 */
class TokensCliProcessIT {

    @Test
    void adminCommandsInAnotherProcessShareTheRunningServicesH2Store(@TempDir final Path dir) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        try (LoopbackApnsServer apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                pki.caCertificateFile(), 0)) {
            final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                    dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                    pki.client().p12PasswordFile());
            try (MailpushService service = MailpushService.start(ConfigLoader.load(config))) {
                service.registrations().register(Registration.of("dave", "ACC-1", "e".repeat(64),
                        "com.apple.mobilemail", 2, Set.of("INBOX"), pki.client().topic(), Instant.now()));

                final Instant now = Instant.now();
                try (TokenStore tokens = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("data/tokens"))
                        .build()) {
                    tokens.subscriptions().subscribe(new DavSubscription("e".repeat(64), "cal-1", "dave/cal-1",
                            "com.apple.calendar.XServer.test", PushTarget.Kind.CALENDAR, "dave", now, now,
                            now.plus(Duration.ofDays(1))));
                }
                assertThat(jar("tokens", "list", "--user", "dave", "-c", config.toString()))
                        .contains("1 registration(s) of dave", "eeeeeeee…", "calendar", "dave/cal-1",
                                "1 DAV subscription(s) of dave");

                final Path export = dir.resolve("export.jsonl");
                assertThat(jar("tokens", "export", "-c", config.toString(), export.toString()))
                        .contains("Exported 1 registration(s) and 1 DAV subscription(s)");
                final Path xapsd = Files.writeString(dir.resolve("database.json"), "{\"Users\":{\"erin\":{\"Accounts\""
                        + ":{\"E-1\":{\"DeviceToken\":\"" + "f".repeat(64) + "\",\"Mailboxes\":[\"INBOX\"],"
                        + "\"RegistrationTime\":\"2026-11-26T10:00:00Z\"}}}}}");
                assertThat(jar("tokens", "import-xapsd", "-c", config.toString(), xapsd.toString()))
                        .contains("the store holds 2");
                assertThat(service.registrations().registrationsWatching("erin", "INBOX")).hasSize(1);
            }
        }
    }

    private static String jar(final String... args) throws Exception {
        final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target", "mailpush.jar").toAbsolutePath().toString()));
        command.addAll(java.util.List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
