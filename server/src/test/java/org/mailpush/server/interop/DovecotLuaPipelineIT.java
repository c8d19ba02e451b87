package org.mailpush.server.interop;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.service.MailpushService;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.RawImapClient;
import org.mailpush.testing.XApplePushClient;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Dovecot path with nothing compiled: a real Dovecot (Debian's packages) loads the shipped
 * {@code docs/dovecot/mailpush.lua} through its push_notification Lua driver and posts to mailpush's HTTP intake;
 * phones register through mailpush's IMAP proxy in front of that Dovecot; mail arrives by real LMTP; pushes reach
 * Pushy's mock APNs.
 */
class DovecotLuaPipelineIT {

    static final String INBOX_PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String WORK_PHONE = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String SECRET = "intake-shared-secret-for-the-test";
    static final String FORGED = "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0";
    static final String MALLORYS = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
    static final Path SCRIPT = Path.of("..", "docs", "dovecot", "mailpush.lua").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private ExamplePki pki;
    private LoopbackApnsServer apns;
    private DovecotServer dovecot;
    private MailpushService mailpush;
    private int intakePort;
    private int proxyPort;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), INBOX_PHONE);
        apns.allow(pki.client().topic(), WORK_PHONE);
        // Accepted if they were ever pushed, so that a forged registration would show at the mock APNs.
        apns.allow(pki.client().topic(), FORGED);
        apns.allow(pki.client().topic(), MALLORYS);
        intakePort = freePort();
        proxyPort = freePort();
        dovecot = startDovecot(1000);
        mailpush = MailpushService.start(ConfigLoader.load(writeConfig()));
    }

    @AfterEach
    void stop() {
        if (mailpush != null) {
            mailpush.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    private DovecotServer startDovecot(final int timeoutMillis) throws Exception {
        final Path base = Files.createDirectories(dir.resolve("dovecot"));
        // Dovecot loads the script as the mail user: it must be readable by others, as under /etc/dovecot.
        final Path script = Files.copy(SCRIPT, base.resolve("mailpush.lua"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        return DovecotServer.start(base, List.of("bob", "mallory"), List.of(
                "recipient_delimiter = +",
                "lmtp_save_to_detail_mailbox = yes",
                "lda_mailbox_autocreate = yes",
                // The lines docs/install-dovecot.md tells an admin to add:
                "mail_plugins = $mail_plugins mail_lua notify push_notification push_notification_lua",
                "plugin {",
                "  push_notification_driver = lua:file=" + script,
                "  mailpush_url = http://127.0.0.1:" + intakePort,
                // As 'mailpush dovecot-config' prints it: Dovecot reads the value from mailpush's secret file.
                "  mailpush_secret = <" + secretFile(),
                "  mailpush_timeout_msecs = " + timeoutMillis,
                "}"));
    }

    private Path secretFile() throws Exception {
        final Path secret = dir.resolve("intake.secret");
        if (!Files.exists(secret)) {
            Files.writeString(secret, SECRET + "\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
        return secret;
    }

    private Path writeConfig() throws Exception {
        final Path secret = secretFile();
        return Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "store:",
                "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                "imap-proxy:",
                "  listen-tls: 127.0.0.1:" + proxyPort,
                "  tls: { cert: " + pki.serverCertificateFile() + ", key: " + pki.serverKeyFile() + " }",
                "  upstream: { host: 127.0.0.1, port: " + dovecot.imapPort() + ", security: none }",
                "intake:",
                "  listen: 127.0.0.1:" + intakePort,
                "  secret-file: " + secret,
                "apns:",
                "  host: localhost",
                "  port: " + apns.port(),
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                "  change-delay: 2s",
                "http:",
                "  listen: 127.0.0.1:0",
                ""));
    }

    private XApplePushClient phoneThroughProxy() throws Exception {
        return new XApplePushClient(proxyPort, "bob", DovecotServer.PASSWORD, XApplePushClient.Security.TLS,
                XApplePushClient.Login.AUTHENTICATE_PLAIN, pki.caCertificateFile());
    }

    private void deliver(final String recipient, final String subject) throws Exception {
        LmtpClient.deliver(dovecot.lmtpPort(), "alice@example.org", recipient,
                "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: " + subject + "\r\n\r\nHello.\r\n");
    }

    private List<String> mailpushLogLines() throws Exception {
        return dovecot.log().lines().filter(line -> line.contains("mailpush:")).toList();
    }

    @Test
    void newMailInInboxAndInASubfolderReachesTheDevicesWatchingThem() throws Exception {
        deliver("bob+Work", "creates the Work folder");         // before anyone registered: no push
        try (XApplePushClient phone = phoneThroughProxy()) {
            phone.register("ACC-INBOX", INBOX_PHONE, "INBOX");
            phone.register("ACC-WORK", WORK_PHONE, "Work");
        }
        assertThat(mailpush.registrations().registrationsOf("bob")).hasSize(2);

        deliver("bob", "to INBOX");
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(INBOX_PHONE).size() == 1);
        assertThat(apns.receivedFor(WORK_PHONE)).isEmpty();
        assertThat(apns.receivedFor(INBOX_PHONE).get(0).payload()).isEqualTo(
                "{\"aps\":{\"account-id\":\"ACC-INBOX\"}}");
        assertThat(apns.receivedFor(INBOX_PHONE).get(0).topic()).isEqualTo(pki.client().topic());

        deliver("bob+Work", "to Work");
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(WORK_PHONE).size() == 1);
        assertThat(apns.receivedFor(INBOX_PHONE)).hasSize(1);

        // A message saved by an IMAP client (APPEND: MessageAppend) counts as new mail too.
        try (XApplePushClient client = new XApplePushClient(dovecot.imapPort(), "bob", DovecotServer.PASSWORD)) {
            final Folder work = client.store().getFolder("Work");
            final MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream("Subject: appended\r\n\r\nSaved by a client.\r\n"
                            .getBytes(StandardCharsets.US_ASCII)));
            work.appendMessages(new Message[]{message});
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(WORK_PHONE).size() == 2);

        assertThat(mailpush.intake().received(EventType.MESSAGE_NEW)).isEqualTo(3);
        assertThat(mailpush.intake().received(EventType.MESSAGE_APPEND)).isEqualTo(1);
        // With mailpush up, Dovecot logged nothing about it: in particular the intake answered Expect:
        // 100-continue at once (Dovecot would otherwise wait 2 s and hit the script's 1 s timeout).
        assertThat(mailpushLogLines()).isEmpty();
    }

    private static String register(final String tag, final String account, final String token) {
        return tag + " XAPPLEPUSHSERVICE aps-version 2 aps-account-id " + account + " aps-device-token " + token
                + " aps-subtopic com.apple.mobilemail mailboxes (INBOX)\r\n";
    }

    @Test
    void registrationsForgedForTheVictimThroughTheProxyGetNoPushWhenTheVictimGetsMail() throws Exception {
        try (XApplePushClient phone = phoneThroughProxy()) {
            phone.register("ACC-INBOX", INBOX_PHONE, "INBOX");
        }
        try (RawImapClient attacker = new RawImapClient(proxyPort, true, pki.caCertificateFile())) {
            assertThat(attacker.line()).startsWith("* OK");
            // Without bob's password: a NOOP and a failed LOGIN under one tag, then a registration.
            attacker.send("x NOOP\r\nx LOGIN bob wrong-password\r\n" + register("p", "ACC-FORGED", FORGED)
                    + "y NOOP\r\n");
            assertThat(attacker.until("y")).contains("x BAD Tag x is already in use by a command in progress\r\n",
                    "p BAD Please login first\r\n");
            // With a login of her own: mallory tries to become bob, then registers.
            attacker.send("m LOGIN mallory " + DovecotServer.PASSWORD + "\r\n");
            assertThat(attacker.until("m").get(0)).startsWith("m OK");
            attacker.send("n LOGIN bob " + DovecotServer.PASSWORD + "\r\n" + register("q", "ACC-MALLORY", MALLORYS));
            final List<String> answers = attacker.until("q");
            assertThat(answers).containsSubsequence("n BAD Already logged in\r\n",
                    "q OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        assertThat(mailpush.registrations().registrationsOf("bob")).extracting(r -> r.deviceToken())
                .containsExactly(INBOX_PHONE);
        assertThat(mailpush.registrations().registrationsOf("mallory")).extracting(r -> r.deviceToken())
                .containsExactly(MALLORYS);

        deliver("bob", "for the victim");
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(INBOX_PHONE).size() == 1);
        assertThat(apns.receivedFor(FORGED)).isEmpty();
        assertThat(apns.receivedFor(MALLORYS)).isEmpty();
    }

    @Test
    void flagChangesAndExpungesArriveAndAreCoalescedIntoOnePush() throws Exception {
        for (int i = 0; i < 5; i++) {
            deliver("bob", "message " + i);
        }
        try (XApplePushClient phone = phoneThroughProxy()) {
            phone.register("ACC-INBOX", INBOX_PHONE, "INBOX");
        }
        try (XApplePushClient client = new XApplePushClient(dovecot.imapPort(), "bob", DovecotServer.PASSWORD)) {
            final Folder inbox = client.store().getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            // Each STORE is its own transaction, so Dovecot runs the script once per message read.
            for (final Message message : inbox.getMessages()) {
                message.setFlag(Flags.Flag.SEEN, true);
            }
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.expunge();
            inbox.close(false);
        }
        final long changes = changesReceived();
        assertThat(changes).as("at least one change per IMAP command reached mailpush").isGreaterThanOrEqualTo(7);
        assertThat(mailpush.intake().received(EventType.MESSAGE_EXPUNGE)).isEqualTo(1);

        // All of them become one push, after the change delay (2 s here).
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(INBOX_PHONE).size() == 1);
        // No second push can follow once every change was offered to the pusher and nothing waits there (a push
        // still to come would be pending): a condition, where a 3 s sleep was.
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("mailpush_push_requests_total") == changesReceived()
                && metric("mailpush_pushes_pending") == 0 && metric("mailpush_apns_in_flight") == 0);
        assertThat(apns.receivedFor(INBOX_PHONE)).hasSize(1);
        assertThat(metric("mailpush_pushes_coalesced_total")).as("every change but the first, covered by it")
                .isEqualTo(changesReceived() - 1);
        assertThat(mailpushLogLines()).isEmpty();
    }

    @Test
    void withMailpushStoppedDovecotDeliversAtOnceAndLogsOneLine() throws Exception {
        mailpush.close();
        mailpush = null;

        final long start = System.nanoTime();
        deliver("bob", "while mailpush is down");
        final Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(dovecot.mailFiles("bob")).hasSize(1);
        // Connection refused fails at once; the bound is the script's timeout (1 s), not Dovecot's default minute.
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        // Dovecot's log process writes the line a moment after the delivery returns.
        await().atMost(Duration.ofSeconds(5)).until(() -> !mailpushLogLines().isEmpty());
        assertThat(mailpushLogLines()).singleElement().asString()
                .contains("mailpush: could not reach http://127.0.0.1:" + intakePort + "/v1/events")
                .contains("Connection refused")
                .contains("mail delivered without push");
    }

    @Test
    void whenMailpushHangsTheScriptsTimeoutBoundsTheDelivery() throws Exception {
        mailpush.close();
        mailpush = null;
        // Something holds the port and accepts connections but never answers.
        try (ServerSocket silent = new ServerSocket()) {
            silent.setReuseAddress(true);
            silent.bind(new InetSocketAddress("127.0.0.1", intakePort));
            final long start = System.nanoTime();
            deliver("bob", "while mailpush hangs");
            final Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(dovecot.mailFiles("bob")).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !mailpushLogLines().isEmpty());
        assertThat(mailpushLogLines()).singleElement().asString().contains("timeout");
    }

    private long changesReceived() {
        return java.util.Arrays.stream(EventType.values())
                .filter(type -> type.kind() == EventType.Kind.MAILBOX_CHANGE)
                .mapToLong(mailpush.intake()::received).sum();
    }

    /** One value from mailpush's Prometheus page. */
    private long metric(final String name) throws Exception {
        final String page = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + mailpush.opsAddress().getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return page.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> (long) Double.parseDouble(line.substring(name.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(name + " is not on the metrics page"));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
