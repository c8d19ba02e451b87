package org.mailpush.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.service.MailpushService;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.server.cli.Cli.mailpush;

/**
 * {@code mailpush check} against a running install: everything passes; then each fault on its own (a copy of the
 * configuration with one thing wrong, or the running install changed) fails exactly its line.
 */
class CheckCommandTest {

    @TempDir
    Path dir;
    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService service;
    int opsPort;
    int intakePort;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        opsPort = freePort();
        intakePort = freePort();
        service = MailpushService.start(ConfigLoader.load(config("good.yaml", pki.client().p12File(),
                pki.client().p12PasswordFile(), "jdbc:h2:file:" + dir.resolve("data/tokens"), dir.resolve("notify"),
                apns.port(), opsPort)));
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        apns.close();
    }

    private Path config(final String name, final Path p12, final Path password, final String storeUrl,
                        final Path socket, final int apnsPort, final int http) throws Exception {
        return Files.writeString(dir.resolve(name), String.join("\n",
                "store:",
                "  url: " + storeUrl,
                "cyrus:",
                "  notify-socket: " + socket,
                "  socket-mode: \"0660\"",
                "intake:",
                "  listen: 127.0.0.1:" + intakePort,
                "apns:",
                "  host: localhost",
                "  port: " + apnsPort,
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + p12,
                "      password-file: " + password,
                "http:",
                "  listen: 127.0.0.1:" + http,
                ""));
    }

    private Path good() {
        return dir.resolve("good.yaml");
    }

    private Cli.Run check(final Path config) throws IOException {
        return mailpush("check", "--config", config.toString(), "--imapd-conf", cyrusFiles()[0].toString(),
                "--cyrus-conf", cyrusFiles()[1].toString());
    }

    /** Cyrus's imapd.conf and cyrus.conf wired to the service under test, so that the Cyrus lines pass. */
    private Path[] cyrusFiles() throws IOException {
        final Path imapd = Files.writeString(dir.resolve("imapd.conf"), String.join("\n",
                "aps_topic: " + pki.client().topic(),
                "event_notifier: pusher",
                "event_groups: message mailbox flags applepushservice",
                "notifysocket: " + dir.resolve("notify"), ""));
        final Path cyrus = Files.writeString(dir.resolve("cyrus.conf"), String.join("\n",
                "SERVICES {", "  imap cmd=\"imapd\" listen=\"imap\" prefork=0", "}", ""));
        return new Path[] {imapd, cyrus};
    }

    private static long count(final Cli.Run run, final String verdict) {
        return run.out().lines().filter(line -> line.startsWith(verdict + " ")).count();
    }

    @Test
    void aWorkingInstallPassesEveryItem() throws Exception {
        final Cli.Run run = check(good());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains(
                "PASS  configuration: " + good() + " is valid",
                "PASS  apns.credentials[0]: " + pki.client().topic() + ", valid until ",
                "PASS  store: h2 jdbc:h2:file:" + dir.resolve("data/tokens") + ", routing cache reachable, 0"
                        + " registration(s)",
                "PASS  cyrus.notify-socket: " + dir.resolve("notify") + " bound, mode rw-rw----, group ",
                "PASS  cyrus imapd.conf: " + dir.resolve("imapd.conf") + " sends pusher events to "
                        + dir.resolve("notify") + " with the topics of the installed credentials",
                "PASS  apns.credentials[0] → localhost:" + apns.port() + ": TLS handshake with the client certificate"
                        + " accepted (TLSv1.3",
                "PASS  intake: listening on 127.0.0.1:" + intakePort,
                "PASS  service: mailpush run is ready (http://127.0.0.1:" + opsPort + "/readyz)")
                .endsWith("8 passed, 0 warning(s), 0 failed\n");
        assertThat(count(run, "FAIL")).isZero();
    }

    @Test
    void theCyrusFilesComeFromTheConfigurationUnlessGiven() throws Exception {
        final Path[] files = cyrusFiles();
        final Path configured = Files.writeString(dir.resolve("configured.yaml"), Files.readString(good())
                .replace("  socket-mode: \"0660\"\n", "  socket-mode: \"0660\"\n  imapd-conf: " + files[0]
                        + "\n  cyrus-conf: " + files[1] + "\n"));
        final Cli.Run run = mailpush("check", "--config", configured.toString());
        assertThat(run.out()).as(run.out()).contains("PASS  cyrus imapd.conf: " + files[0] + " sends pusher events");
        assertThat(count(run, "FAIL")).as(run.out()).isZero();
    }

    @Test
    void subscriptionsOnATopicWithoutCredentialFail() throws Exception {
        final java.time.Instant now = Instant.now();
        final String topic = "com.apple.calendar.XServer.0b7e2c9d-4a1f-4e6b-8d3c-5f9a2e1b7c40";
        for (final String token : List.of("ab".repeat(32), "cd".repeat(32))) {
            service.subscriptions().subscribe(new org.mailpush.store.DavSubscription(token, "cal-1", "alice/cal-1",
                    topic, org.mailpush.store.PushTarget.Kind.CALENDAR, "alice", now, now,
                    now.plus(Duration.ofDays(1))));
        }
        final Cli.Run run = check(good());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("PASS  store: h2 jdbc:h2:file:" + dir.resolve("data/tokens")
                        + ", routing cache reachable, 0 registration(s), 2 DAV subscription(s)\n",
                "FAIL  store subscriptions: 2 DAV subscription(s) on topic " + topic + ", which no installed"
                        + " credential has: they are never pushed");
        assertThat(count(run, "FAIL")).as(run.out()).isEqualTo(1);
    }

    @Test
    void aBrokenConfigurationFailsFirst() throws Exception {
        final Path broken = Files.writeString(dir.resolve("broken.yaml"), Files.readString(good())
                .replace("notify-socket:", "notify_socket:"));
        final Cli.Run run = check(broken);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo("FAIL  configuration: " + broken
                + ": cyrus.notify_socket: unknown key (did you mean notify-socket?)\n0 passed, 0 warning(s), 1 "
                        + "failed\n");
    }

    @Test
    void anExpiredCredentialFailsAndOneExpiringSoonWarns() throws Exception {
        final ExamplePki.ClientCredentialFiles expired = pki.issueClient("expired", ExamplePki.ClientSpec.mail()
                .withValidity(Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(2))));
        final Cli.Run run = check(config("expired.yaml", expired.p12File(), expired.p12PasswordFile(),
                "jdbc:h2:file:" + dir.resolve("data/tokens"), dir.resolve("notify"), apns.port(), opsPort));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("FAIL  apns.credentials[0]: " + expired.p12File()
                + ": the certificate expired on");
        // Its topic is not the one imapd.conf names, and the Cyrus lines say so.
        assertThat(run.out()).contains("FAIL  cyrus aps_topic: " + dir.resolve("imapd.conf") + ":1 aps_topic is "
                + pki.client().topic() + ", which no installed credential has");
        assertThat(count(run, "FAIL")).as(run.out()).isEqualTo(2);

        final ExamplePki.ClientCredentialFiles soon = pki.issueClient("soon", ExamplePki.ClientSpec.mail()
                .withTopic(pki.client().topic())
                .withValidity(Instant.now().minus(Duration.ofDays(300)), Instant.now().plus(Duration.ofDays(5))));
        final Cli.Run warned = check(config("soon.yaml", soon.p12File(), soon.p12PasswordFile(),
                "jdbc:h2:file:" + dir.resolve("data/tokens"), dir.resolve("notify"), apns.port(), opsPort));
        assertThat(warned.exit()).as(warned.out()).isZero();
        assertThat(warned.out()).contains("WARN  apns.credentials[0]: " + pki.client().topic(),
                "the certificate expires in 4 days").contains("1 warning(s), 0 failed");
    }

    @Test
    void anUnreachableStoreFails() throws Exception {
        final Cli.Run run = check(config("pg.yaml", pki.client().p12File(), pki.client().p12PasswordFile(),
                "jdbc:postgresql://127.0.0.1:" + freePort() + "/mailpush", dir.resolve("notify"), apns.port(),
                opsPort));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).containsPattern("FAIL  store: .*127\\.0\\.0\\.1");
        assertThat(count(run, "FAIL")).as(run.out()).isEqualTo(1);
    }

    @Test
    void aSocketWithTheWrongModeOrNobodyBehindItFails() throws Exception {
        final Path socket = dir.resolve("notify");
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        final Cli.Run wrongMode = check(good());
        assertThat(wrongMode.exit()).isEqualTo(1);
        assertThat(wrongMode.out()).contains("FAIL  cyrus.notify-socket: " + socket + ": mode is rw-------,"
                + " configured rw-rw---- (Cyrus may not be able to write to it)");
        assertThat(count(wrongMode, "FAIL")).as(wrongMode.out()).isEqualTo(1);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));

        final Cli.Run missing = check(config("elsewhere.yaml", pki.client().p12File(),
                pki.client().p12PasswordFile(), "jdbc:h2:file:" + dir.resolve("data/tokens"),
                dir.resolve("elsewhere"), apns.port(), opsPort));
        assertThat(missing.out()).contains("FAIL  cyrus.notify-socket: " + dir.resolve("elsewhere")
                + " does not exist: is mailpush run running?");
        assertThat(missing.out()).contains("FAIL  cyrus notifysocket: " + dir.resolve("imapd.conf") + ":4"
                + " notifysocket is " + dir.resolve("notify") + ", but mailpush listens on "
                + dir.resolve("elsewhere"));
        assertThat(count(missing, "FAIL")).as(missing.out()).isEqualTo(2);
    }

    @Test
    void anApnsThatCannotBeReachedOrRefusesTheCertificateFails() throws Exception {
        final Cli.Run closed = check(config("closed.yaml", pki.client().p12File(), pki.client().p12PasswordFile(),
                "jdbc:h2:file:" + dir.resolve("data/tokens"), dir.resolve("notify"), freePort(), opsPort));
        assertThat(closed.exit()).isEqualTo(1);
        assertThat(closed.out()).containsPattern("FAIL  apns.credentials\\[0\\] → localhost:\\d+: cannot connect: .*"
                + "\\(firewall\\? outbound port \\d+ must be open\\)");
        assertThat(count(closed, "FAIL")).as(closed.out()).isEqualTo(1);

        final ExamplePki otherCa = ExamplePki.create(dir.resolve("other"));
        try (LoopbackApnsServer picky = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                otherCa.caCertificateFile(), 0)) {
            final Cli.Run refused = check(config("picky.yaml", pki.client().p12File(),
                    pki.client().p12PasswordFile(), "jdbc:h2:file:" + dir.resolve("data/tokens"),
                    dir.resolve("notify"), picky.port(), opsPort));
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.out()).contains("FAIL  apns.credentials[0] → localhost:" + picky.port()
                    + ": TLS handshake refused");
            assertThat(count(refused, "FAIL")).as(refused.out()).isEqualTo(1);
        }
    }

    @Test
    void aServiceThatIsNotRunningFails() throws Exception {
        service.close();
        service = null;
        final Cli.Run run = check(good());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains(
                "FAIL  cyrus.notify-socket: " + dir.resolve("notify") + " does not exist: is mailpush run running?",
                "FAIL  intake: nothing listens on 127.0.0.1:" + intakePort,
                "FAIL  service: no answer from http://127.0.0.1:" + opsPort + "/readyz: is mailpush run running?")
                .contains("PASS  store:", "PASS  apns.credentials[0] → localhost:");
    }

    @Test
    void withDoveconfItChecksWhatDovecotPointsAtMailpush() throws Exception {
        // A stand-in that prints what doveconf -n prints for a site that kept the old xaps_url setting.
        final Path doveconf = Files.writeString(dir.resolve("doveconf"), String.join("\n", "#!/bin/sh",
                "[ \"$1\" = -c ] && [ \"$2\" = /etc/dovecot/site.conf ] && shift 2",
                "[ \"$1\" = -n ] || exit 64",
                "echo '# 2.3.19.1 (9b53102964): /etc/dovecot/site.conf'",
                "echo 'plugin {'",
                "echo '  mailpush_url = http://127.0.0.1:" + intakePort + "'",
                "echo '  push_notification_driver = lua:file=/etc/dovecot/mailpush.lua'",
                "echo '  xaps_url = http://[::1]:11619'",
                "echo '}'", ""));
        Files.setPosixFilePermissions(doveconf, PosixFilePermissions.fromString("rwx------"));
        final Cli.Run run = mailpush("check", "--config", good().toString(), "--doveconf", doveconf.toString(),
                "--dovecot-config", "/etc/dovecot/site.conf", "--imapd-conf", cyrusFiles()[0].toString(),
                "--cyrus-conf", cyrusFiles()[1].toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains(
                "PASS  dovecot mailpush_url: Dovecot's Lua driver reaches this mailpush's intake on 127.0.0.1:"
                        + intakePort + "\n",
                "FAIL  dovecot xaps_config: plugin { xaps_url } is set, but the xaps plugin reads only xaps_config")
                .endsWith("9 passed, 0 warning(s), 1 failed\n");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
