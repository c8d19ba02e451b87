package org.mailpush.server.service;

import org.mailpush.testing.Secrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.testing.RawHttpConnection;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mailpush.testing.RawHttpConnection.dovecotPost;

/**
 * {@code mailpush run} with an {@code xapsd:} section stands in for dovecot-xaps-daemon: the xaps plugin's
 * registration and notification, as it sends them, end in a push at (mock) APNs, for a folder other than INBOX too.
 */
class XapsdServiceTest {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";

    @TempDir
    Path dir;
    LoopbackApnsServer apns;
    MailpushService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    private InetSocketAddress start(final String secretLine) throws Exception {
        return start(secretLine, "");
    }

    private InetSocketAddress start(final String secretLine, final String storeLine) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), TOKEN);
        final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "store:",
                "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                storeLine,
                "xapsd:",
                "  listen: \"[::1]:0\"",
                secretLine,
                "apns:",
                "  host: localhost",
                "  port: " + apns.port(),
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                "http:",
                "  listen: 127.0.0.1:0",
                ""));
        service = MailpushService.start(ConfigLoader.load(config));
        return service.httpIntakeAddress("xapsd").orElseThrow();
    }

    @Test
    void theXapsPluginsRequestsEndInPushesForAnyRegisteredMailbox() throws Exception {
        final InetSocketAddress xapsd = start("");
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/register", "[::1]:11619", "{\"ApsAccountId\":\"ACC\",\"ApsDeviceToken\":\""
                    + TOKEN + "\",\"ApsSubtopic\":\"com.apple.mobilemail\",\"Username\":\"bob\",\"Mailboxes\":"
                    + " [\"INBOX\",\"Lists/dovecot\"]}", false));
            final RawHttpConnection.Response registered = plugin.read();
            assertThat(registered.status()).isEqualTo(200);
            assertThat(registered.body()).startsWith("com.apple.mail.XServer.");

            plugin.send(dovecotPost("/notify", "[::1]:11619",
                    "{\"Username\":\"bob\",\"Mailbox\":\"Lists/dovecot\",\"Events\": [\"MessageNew\"]}", false));
            assertThat(plugin.read().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(TOKEN).size() == 1);
        assertThat(apns.receivedFor(TOKEN).get(0).payload()).isEqualTo("{\"aps\":{\"account-id\":\"ACC\"}}");
    }

    @Test
    void withASecretThePluginPassesItInTheUrlsUserinfo() throws Exception {
        Secrets.write(dir.resolve("xapsd.secret"), "plugin-secret\n");
        final InetSocketAddress xapsd = start("  secret-file: " + dir.resolve("xapsd.secret"));
        // xaps_config = url=http://xaps:plugin-secret@[::1]:11619 makes Dovecot's HTTP client send Basic
        // authentication (XapsdApiContractTest replays the captured bytes).
        final String basic = "Authorization: Basic "
                + Base64.getEncoder().encodeToString("xaps:plugin-secret".getBytes(StandardCharsets.UTF_8));
        final String notify = "{\"Username\":\"bob\",\"Mailbox\":\"INBOX\",\"Events\": [\"MessageNew\"]}";
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/notify", "h", notify, false));
            assertThat(plugin.read().status()).isEqualTo(401);
            plugin.send(dovecotPost("/notify", "h", notify, false, basic));
            assertThat(plugin.read().status()).as("authenticated; bob has no device").isEqualTo(404);
        }
    }

    @Test
    void connectionsBeyondMaxConnectionsAreClosedAndCountedInTheMetrics() throws Exception {
        final InetSocketAddress xapsd = start("  max-connections: 2");
        final String notify = "{\"Username\":\"bob\",\"Mailbox\":\"INBOX\",\"Events\": [\"MessageNew\"]}";
        try (RawHttpConnection first = new RawHttpConnection(xapsd);
             RawHttpConnection second = new RawHttpConnection(xapsd)) {
            first.send(dovecotPost("/notify", "h", notify, false));
            assertThat(first.read().status()).isEqualTo(404);
            second.send(dovecotPost("/notify", "h", notify, false));
            assertThat(second.read().status()).isEqualTo(404);
            try (RawHttpConnection third = new RawHttpConnection(xapsd)) {
                assertThat(third.closedByServer()).isTrue();
            }
            assertThat(metrics()).contains("mailpush_intake_connections_open{door=\"xapsd\"} 2.0")
                    .contains("mailpush_intake_connections_refused_total{door=\"xapsd\"} 1.0");
        }
    }

    private String metrics() throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + service.opsAddress().getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aNewDeviceBeyondTheUsersLimitIsAnswered403AndCounted() throws Exception {
        final InetSocketAddress xapsd = start("", "  max-devices-per-user: 1");
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/register", "h", register("ACC", TOKEN), false));
            assertThat(plugin.read().status()).isEqualTo(200);
            plugin.send(dovecotPost("/register", "h", register("ACC-2", "ab" + TOKEN.substring(2)), false));
            final RawHttpConnection.Response refused = plugin.read();
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.body()).contains("most registered devices");
            plugin.send(dovecotPost("/register", "h", register("ACC", TOKEN), false));
            assertThat(plugin.read().status()).as("the registered device renews").isEqualTo(200);
        }
        assertThat(service.registrations().count()).isEqualTo(1);
        assertThat(metrics()).contains("mailpush_bad_input_total{kind=\"too_many_devices\",source=\"xapsd\"} 1.0",
                "mailpush_registrations_refused_total{reason=\"too_many_devices\",source=\"xapsd\"} 1.0");
    }

    @Test
    void aRegistrationRefusedForANonHexTokenIsCountedWithItsReasonSinceThePhoneIsToldOk() throws Exception {
        final InetSocketAddress xapsd = start("");
        try (RawHttpConnection plugin = new RawHttpConnection(xapsd)) {
            plugin.send(dovecotPost("/register", "h", register("ACC", "not-a-hex-token"), false));
            final RawHttpConnection.Response refused = plugin.read();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.reason()).startsWith("Bad Request: ApsDeviceToken is not a hex device token");
            plugin.send(dovecotPost("/notify", "h", "{\"Username\":\"bob\"}", false));
            assertThat(plugin.read().status()).isEqualTo(400);
        }
        assertThat(service.registrations().count()).isZero();
        assertThat(metrics()).contains(
                "mailpush_registrations_refused_total{reason=\"bad_device_token\",source=\"xapsd\"} 1.0",
                "mailpush_bad_input_total{kind=\"bad_device_token\",source=\"xapsd\"} 1.0")
                .doesNotContain("mailpush_registrations_refused_total{reason=\"missing_field\"");
    }

    private static String register(final String account, final String token) {
        return "{\"ApsAccountId\":\"" + account + "\",\"ApsDeviceToken\":\"" + token
                + "\",\"ApsSubtopic\":\"com.apple.mobilemail\",\"Username\":\"bob\",\"Mailboxes\":[\"INBOX\"]}";
    }
}
