package org.mailpush.server.interop;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.cli.MailpushCommand;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.RegistrationKey;
import org.mailpush.testing.CyrusServer;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.RawHttpConnection;
import org.mailpush.testing.Secrets;
import org.mailpush.testing.XApplePushClient;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import jakarta.mail.MessagingException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mailpush.testing.RawHttpConnection.dovecotPost;

/**
 * Every door of mailpush used as in production, good and bad input alike, with every logger at DEBUG (mailpush's at
 * TRACE): a real Cyrus registering phones and delivering mail on the notify socket, the IMAP proxy in front of that
 * Cyrus, the xapsd API and the Dovecot HTTP intake with right and wrong secrets, malformed input carrying whole
 * tokens, APNs answering 410 Unregistered and DeviceTokenNotForTopic, the ops endpoint, and the admin commands. Then
 * every captured log
 * line (message, arguments, stack traces, MDC) is scanned: no whole device token, no account id, no password or
 * shared secret may appear; nor may the status page or the metrics carry a token or an account id.
 */
class LogScanIT {

    // Tokens whose every 8-character window is distinct from the others', so a leak of any of them is caught even
    // if it is the token's tail that leaks; the scan also refuses any run of 64 hex digits at all.
    static final String CYRUS_PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String GONE_PHONE = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String PROXY_PHONE = "77e1d0c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070605";
    static final String XAPS_PHONE = "c0ffee00c0ffee11c0ffee22c0ffee33c0ffee44c0ffee55c0ffee66c0ffee77";
    static final String BAD_PHONE = "deadbeef00112233445566778899aabbccddeeff00112233445566778899aabb";
    static final String CYRUS_ACCOUNT = "0715A26B-CA09-4730-A419-793000CA982E";
    static final String GONE_ACCOUNT = "6C3E1B0A-1111-2222-3333-444455556666";
    static final String PROXY_ACCOUNT = "9D0B2C4E-AAAA-4BBB-8CCC-DDDDEEEEFFFF";
    static final String XAPS_ACCOUNT = "F00DF00D-1234-4567-89AB-CDEF01234567";
    static final String BAD_ACCOUNT = "B0B0B0B0-7777-4888-9999-AAAABBBBCCCC";
    static final String INTAKE_SECRET = "intake-wombat-31415";
    static final String XAPSD_SECRET = "xapsd-numbat-27182";
    static final String OPS_PASSWORD = "ops-bilby-16180";
    static final String WRONG_PASSWORD = "wrong-dingo-14142";

    @TempDir
    Path dir;

    final CapturingAppender captured = new CapturingAppender();
    final Map<String, Level> levelsBefore = new HashMap<>();
    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService mailpush;
    CyrusServer cyrus;
    Path config;
    Path socket;
    int proxyPort;

    @BeforeEach
    void start() throws Exception {
        captureEverything();

        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        for (final String token : List.of(CYRUS_PHONE, GONE_PHONE, PROXY_PHONE, XAPS_PHONE)) {
            apns.allow(pki.client().topic(), token);
        }
        // BAD_PHONE is not allowed: the mock answers DeviceTokenNotForTopic for it, and mailpush drops it.

        final Path socketDir = Files.createDirectories(dir.resolve("sock"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        socket = socketDir.resolve("notify");
        try (ServerSocket free = new ServerSocket(0)) {
            proxyPort = free.getLocalPort();
        }
        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")), new CyrusServer.Settings(
                pki.client().topic(), socket.toString(), true, true, List.of("test")));

        config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "store:",
                "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                "cyrus:",
                "  notify-socket: " + socket,
                "  socket-mode: \"0666\"",
                "imap-proxy:",
                "  listen-tls: 127.0.0.1:" + proxyPort,
                "  tls: { cert: " + pki.serverCertificateFile() + ", key: " + pki.serverKeyFile() + " }",
                "  upstream: { host: 127.0.0.1, port: " + cyrus.imapPort() + ", security: none }",
                "intake:",
                "  listen: 127.0.0.1:0",
                "  secret-file: " + Secrets.write(dir.resolve("intake.secret"), INTAKE_SECRET + "\n"),
                "xapsd:",
                "  listen: 127.0.0.1:0",
                "  secret-file: " + Secrets.write(dir.resolve("xapsd.secret"), XAPSD_SECRET + "\n"),
                "apns:",
                "  host: localhost",
                "  port: " + apns.port(),
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                "http:",
                "  listen: 127.0.0.1:0",
                "  user: ops",
                "  password-file: " + Secrets.write(dir.resolve("ops.password"), OPS_PASSWORD + "\n"),
                ""));
        mailpush = MailpushService.start(ConfigLoader.load(config));
    }

    @AfterEach
    void stop() {
        if (mailpush != null) {
            mailpush.close();
        }
        if (cyrus != null) {
            cyrus.close();
        }
        if (apns != null) {
            apns.close();
        }
        restoreLevels();
    }

    @Test
    void noLogLineStatusPageOrMetricCarriesATokenAnAccountIdOrAPassword() throws Exception {
        cyrusRegistersTwoPhonesAndDeliversMail();
        proxyRegistersAPhoneAndRefusesBadCommands();
        xapsdRegistersAndNotifiesWithRightAndWrongSecrets();
        dovecotIntakeTakesEventsAndRefusesBadOnes();
        malformedDatagramsCarryingTokensAreRefused();
        final List<String> opsPages = opsPagesWithRightAndWrongPasswords();
        final List<String> cliOutput = adminCommands();

        mailpush.close();
        mailpush = null;

        final List<String> lines = captured.lines();
        System.out.printf("log scan: %d log lines captured (%d at WARN or above), %d ops pages, %d command outputs%n",
                lines.size(), captured.warningsOrWorse(), opsPages.size(), cliOutput.size());
        // The run must have exercised the paths that log about devices: otherwise the scan proves nothing.
        assertThat(lines).anyMatch(l -> l.contains("Removed device " + GONE_PHONE.substring(0, 8)) && l.contains(
                "Unregistered"));
        assertThat(lines).anyMatch(l -> l.contains("Removed device " + BAD_PHONE.substring(0, 8)));
        assertThat(lines).anyMatch(l -> l.contains("Refused input on"));
        assertThat(lines).anyMatch(l -> l.contains("IMAP proxy: device " + PROXY_PHONE.substring(0, 8)));
        assertThat(lines).anyMatch(l -> l.contains("mailpush stopping"));

        final List<String> forbidden = List.of(CYRUS_PHONE, GONE_PHONE, PROXY_PHONE, XAPS_PHONE, BAD_PHONE,
                CYRUS_ACCOUNT, GONE_ACCOUNT, PROXY_ACCOUNT, XAPS_ACCOUNT, BAD_ACCOUNT,
                CyrusServer.PASSWORD, ExamplePki.PASSWORD, INTAKE_SECRET, XAPSD_SECRET, OPS_PASSWORD, WRONG_PASSWORD,
                base64("ops:" + OPS_PASSWORD), base64("ops:" + WRONG_PASSWORD), base64("xaps:" + XAPSD_SECRET),
                base64("\0test\0" + CyrusServer.PASSWORD));
        assertNoneLeaks("log line", lines, forbidden);
        // Ops pages and command output may name users, never devices or accounts in full.
        assertNoneLeaks("ops page", opsPages, forbidden);
        assertNoneLeaks("command output", cliOutput, forbidden);
    }

    private void cyrusRegistersTwoPhonesAndDeliversMail() throws Exception {
        try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), "test", CyrusServer.PASSWORD)) {
            phone.register(CYRUS_ACCOUNT, CYRUS_PHONE, "INBOX");
            phone.register(GONE_ACCOUNT, GONE_PHONE, "INBOX");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> mailpush.registrations().count() == 2);
        apns.unregister(GONE_PHONE, Instant.now());
        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "test",
                "From: sender@example.org\r\nTo: test@localhost\r\nSubject: scan\r\n\r\nHello.\r\n");
        await().atMost(Duration.ofSeconds(15)).until(() ->
                apns.receivedFor(CYRUS_PHONE).size() == 1 && apns.receivedFor(GONE_PHONE).size() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                mailpush.registrations().find(new RegistrationKey(GONE_ACCOUNT, GONE_PHONE)).isEmpty());
    }

    private void proxyRegistersAPhoneAndRefusesBadCommands() throws Exception {
        try (XApplePushClient phone = new XApplePushClient(proxyPort, "test", CyrusServer.PASSWORD,
                XApplePushClient.Security.TLS, XApplePushClient.Login.AUTHENTICATE_PLAIN, pki.caCertificateFile())) {
            phone.register(PROXY_ACCOUNT, PROXY_PHONE, "INBOX");
            // Well-framed but wrong: a whole token next to a version that is no number, a bad mailbox list, no account.
            assertThat(phone.command("XAPPLEPUSHSERVICE aps-version x aps-account-id \"" + PROXY_ACCOUNT
                    + "\" aps-device-token \"" + PROXY_PHONE
                            + "\" aps-subtopic com.apple.mobilemail mailboxes (INBOX)"))
                    .matches("(BAD|NO) .*");
            assertThat(phone.command("XAPPLEPUSHSERVICE aps-version 2 aps-account-id \"" + PROXY_ACCOUNT
                    + "\" aps-device-token \"" + PROXY_PHONE + "\" aps-subtopic com.apple.mobilemail mailboxes INBOX"))
                    .matches("(BAD|NO) .*");
            assertThat(phone.command("XAPPLEPUSHSERVICE aps-version 2 aps-device-token \"" + PROXY_PHONE
                    + "\" aps-subtopic com.apple.mobilemail mailboxes (INBOX)")).matches("(BAD|NO) .*");
        }
        // A wrong password through the proxy: Cyrus refuses it, the proxy passes the refusal on.
        try (XApplePushClient intruder = new XApplePushClient(proxyPort, "test", WRONG_PASSWORD,
                XApplePushClient.Security.TLS, XApplePushClient.Login.AUTHENTICATE_PLAIN, pki.caCertificateFile())) {
            throw new AssertionError("the wrong password was accepted");
        } catch (final MessagingException expected) {
            assertThat(expected.getMessage()).doesNotContain(WRONG_PASSWORD);
        }
        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "test",
                "From: sender@example.org\r\nTo: test@localhost\r\nSubject: scan 2\r\n\r\nHello.\r\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> apns.receivedFor(PROXY_PHONE).size() == 1);
    }

    private void xapsdRegistersAndNotifiesWithRightAndWrongSecrets() throws Exception {
        final InetSocketAddress xapsd = mailpush.httpIntakeAddress("xapsd").orElseThrow();
        final String good = "Authorization: Basic " + base64("xaps:" + XAPSD_SECRET);
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/register", "h", registerBody(XAPS_ACCOUNT, XAPS_PHONE, "bob"), false,
                    "Authorization: Basic " + base64("xaps:" + WRONG_PASSWORD)));
            assertThat(plugin.read().status()).isEqualTo(401);
        }
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/register", "h", registerBody(XAPS_ACCOUNT, XAPS_PHONE, "bob"), false, good));
            assertThat(plugin.read().status()).isEqualTo(200);
            plugin.send(dovecotPost("/register", "h", registerBody(BAD_ACCOUNT, BAD_PHONE, "bob"), false, good));
            assertThat(plugin.read().status()).isEqualTo(200);
            // Malformed: a whole token and account in a body that is not the plugin's JSON.
            plugin.send(dovecotPost("/register", "h", "{\"ApsAccountId\":\"" + XAPS_ACCOUNT
                    + "\",\"ApsDeviceToken\":\"" + XAPS_PHONE + "\",\"Username\":7}", false, good));
            assertThat(plugin.read().status()).isEqualTo(400);
            plugin.send(dovecotPost("/register", "h", "{\"ApsAccountId\":\"" + XAPS_ACCOUNT
                    + "\",\"ApsDeviceToken\":\"" + XAPS_PHONE + "\",", false, good));
            assertThat(plugin.read().status()).isEqualTo(400);
            plugin.send(dovecotPost("/notify", "h", "{\"Username\":\"bob\",\"Mailbox\":\"INBOX\",\"Events\":"
                    + "[\"MessageNew\"]}", false, good));
            assertThat(plugin.read().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(15)).until(() ->
                apns.receivedFor(XAPS_PHONE).size() == 1 && apns.receivedFor(BAD_PHONE).size() == 1);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                mailpush.registrations().find(new RegistrationKey(BAD_ACCOUNT, BAD_PHONE)).isEmpty());
    }

    private static String registerBody(final String account, final String token, final String user) {
        return "{\"ApsAccountId\":\"" + account + "\",\"ApsDeviceToken\":\"" + token
                + "\",\"ApsSubtopic\":\"com.apple.mobilemail\",\"Username\":\"" + user
                        + "\",\"Mailboxes\":[\"INBOX\"]}";
    }

    private void dovecotIntakeTakesEventsAndRefusesBadOnes() throws Exception {
        final InetSocketAddress intake = mailpush.httpIntakeAddress("intake").orElseThrow();
        final String events = "{\"user\":\"bob\",\"events\":[{\"event\":\"MessageNew\",\"mailbox\":\"INBOX\","
                + "\"uid\":1}]}";
        try (RawHttpConnection dovecot = new RawHttpConnection(intake)) {
            dovecot.send(dovecotPost("/v1/events", "h", events, false, "Authorization: Bearer " + WRONG_PASSWORD));
            assertThat(dovecot.read().status()).isEqualTo(401);
        }
        try (RawHttpConnection dovecot = new RawHttpConnection(intake)) {
            final String good = "Authorization: Bearer " + INTAKE_SECRET;
            dovecot.send(dovecotPost("/v1/events", "h", events, false, good));
            assertThat(dovecot.read().status()).isEqualTo(202);
            dovecot.send(dovecotPost("/v1/events", "h", "{\"user\":\"" + XAPS_PHONE + "\",\"events\":[{\"event\":"
                    + "\"MessageNew\",\"mailbox\":" + "[\"" + XAPS_ACCOUNT + "\"]}]}", false, good));
            assertThat(dovecot.read().status()).isEqualTo(400);
            dovecot.send(dovecotPost("/v1/events", "h", "{\"user\":\"bob\",\"" + XAPS_PHONE + "\"", false, good));
            assertThat(dovecot.read().status()).isEqualTo(400);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> apns.receivedFor(XAPS_PHONE).size() == 2);
    }

    private void malformedDatagramsCarryingTokensAreRefused() throws Exception {
        final long before = badInput();
        try (NotifyDatagramSender sender = new NotifyDatagramSender(socket)) {
            // A registration whose mailboxes are not a list, one cut short, one with a token of the wrong length.
            sender.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"user\":"
                    + "\"test\",\"apsVersion\":2,\"apsAccountId\":\"" + CYRUS_ACCOUNT + "\",\"apsDeviceToken\":\""
                    + CYRUS_PHONE + "\",\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":\"INBOX\"}"));
            sender.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"user\":"
                    + "\"test\",\"apsVersion\":2,\"apsAccountId\":\"" + CYRUS_ACCOUNT + "\",\"apsDeviceToken\":\""
                    + CYRUS_PHONE));
            sender.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"user\":"
                    + "\"test\",\"apsVersion\":2,\"apsAccountId\":\"" + CYRUS_ACCOUNT + "\",\"apsDeviceToken\":\""
                    + CYRUS_PHONE + "0\",\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\"]}"));
            // Not JSON and not even a notify datagram, with the token as its only content.
            sender.send(CYRUS_PHONE.getBytes(StandardCharsets.US_ASCII));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> badInput() >= before + 4);
    }

    private long badInput() {
        long total = 0;
        for (final BadInputKind kind : BadInputKind.values()) {
            total += mailpush.intake().badInput(kind);
        }
        return total;
    }

    private List<String> opsPagesWithRightAndWrongPasswords() throws Exception {
        final HttpClient http = HttpClient.newHttpClient();
        final String base = "http://127.0.0.1:" + mailpush.opsAddress().getPort();
        final List<String> pages = new ArrayList<>();
        for (final String path : List.of("/metrics", "/status.json", "/", "/readyz", "/healthz")) {
            final HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Basic " + base64("ops:" + OPS_PASSWORD)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            pages.add(path + "\n" + page.headers().map() + "\n" + page.body());
        }
        final HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "/status.json"))
                .header("Authorization", "Basic " + base64("ops:" + WRONG_PASSWORD)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        pages.add(refused.body());
        // The pages are about the pushes above: the recent failures name their devices, masked.
        assertThat(pages.get(1)).contains(GONE_PHONE.substring(0, 8) + "…").contains(BAD_PHONE.substring(0, 8) + "…");
        return pages;
    }

    private List<String> adminCommands() throws Exception {
        final List<String> outputs = new ArrayList<>();
        outputs.add(mailpush("tokens", "list", "--config", config.toString()));
        outputs.add(mailpush("tokens", "show", "--config", config.toString(), "--user", "test"));
        outputs.add(mailpush("check", "--config", config.toString()));
        outputs.add(mailpush("certs", "inspect", pki.client().p12File().toString(), "--password-file",
                pki.client().p12PasswordFile().toString()));
        outputs.add(mailpush("send-test", "--config", config.toString(), "--user", "bob"));
        outputs.add(mailpush("tokens", "revoke", "--config", config.toString(), "--user", "test", "--device",
                CYRUS_PHONE.substring(0, 12)));
        assertThat(outputs.get(0)).contains(CYRUS_PHONE.substring(0, 8)).contains(XAPS_PHONE.substring(0, 8));
        assertThat(outputs.get(4)).contains(XAPS_PHONE.substring(0, 8));
        assertThat(outputs.get(5)).contains("Revoked");
        return outputs;
    }

    /** Runs an admin command in this JVM, so its log lines are captured too; returns what it printed. */
    private static String mailpush(final String... args) {
        final StringWriter out = new StringWriter();
        final CommandLine command = MailpushCommand.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(out, true));
        final int exit = command.execute(args);
        return "mailpush " + String.join(" ", args) + " (exit " + exit + ")\n" + out;
    }

    private static void assertNoneLeaks(final String what, final List<String> texts, final List<String> forbidden) {
        final Pattern anyToken = Pattern.compile("(?i)[0-9a-f]{64}");
        for (final String text : texts) {
            final String lower = text.toLowerCase(Locale.ROOT);
            for (final String secret : forbidden) {
                assertThat(lower).as("%s leaks %s...: %s", what, secret.substring(0, 4), text)
                        .doesNotContain(secret.toLowerCase(Locale.ROOT));
            }
            final Matcher matcher = anyToken.matcher(text);
            assertThat(matcher.find()).as("%s has a run of 64 hex digits: %s", what, text).isFalse();
        }
    }

    private static String base64(final String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private void captureEverything() {
        final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        captured.setContext(context);
        captured.start();
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(captured);
        // Third-party loggers too: an operator debugging a delivery problem turns them up.
        for (final Logger logger : context.getLoggerList()) {
            levelsBefore.put(logger.getName(), logger.getLevel());
            if (logger.getLevel() != null) {
                logger.setLevel(Level.DEBUG);
            }
        }
        root.setLevel(Level.DEBUG);
        context.getLogger("org.mailpush").setLevel(Level.TRACE);
    }

    private void restoreLevels() {
        final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        for (final Logger logger : context.getLoggerList()) {
            logger.setLevel(levelsBefore.get(logger.getName()));
        }
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
        captured.stop();
    }

    /** Keeps each event as the text any encoder could write of it: message, arguments, MDC and stack trace. */
    static final class CapturingAppender extends AppenderBase<ILoggingEvent> {

        private final List<String> lines = new CopyOnWriteArrayList<>();
        private volatile int warningsOrWorse;

        @Override
        protected void append(final ILoggingEvent event) {
            final StringBuilder line = new StringBuilder().append(event.getLevel()).append(' ')
                    .append(event.getThreadName()).append(' ').append(event.getLoggerName()).append(" - ")
                    .append(event.getFormattedMessage());
            if (event.getArgumentArray() != null) {
                for (final Object argument : event.getArgumentArray()) {
                    line.append(" | ").append(argument);
                }
            }
            if (!event.getMDCPropertyMap().isEmpty()) {
                line.append(' ').append(event.getMDCPropertyMap());
            }
            if (event.getThrowableProxy() != null) {
                line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            lines.add(line.toString());
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                warningsOrWorse++;
            }
        }

        List<String> lines() {
            return List.copyOf(lines);
        }

        int warningsOrWorse() {
            return warningsOrWorse;
        }
    }
}
