package org.mailpush.server.service;

import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The service wired from a configuration file, with its ops endpoint, against a mock APNs. */
class MailpushServiceTest {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";

    @TempDir
    Path dir;
    LoopbackApnsServer apns;
    MailpushService service;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    private MailpushService start(final ExamplePki pki, final PushNotificationHandlerFactory handlers)
            throws Exception {
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0,
                handlers);
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        service = MailpushService.start(ConfigLoader.load(config));
        return service;
    }

    private HttpResponse<String> get(final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.opsAddress().getPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private void registerAndMail() throws Exception {
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"user\":\"bob\","
                    + "\"apsVersion\":2,\"apsAccountId\":\"ACC\",\"apsDeviceToken\":\"" + TOKEN + "\","
                    + "\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\"]}"));
            cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\","
                    + "\"uri\":\"imap://h/user/bob;UIDVALIDITY=1/;UID=1\",\"user\":\"bob\"}"));
        }
    }

    @Test
    void readyWhileEverythingWorksAndNotReadyOnceApnsRefusesTheOnlyCredential() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        start(pki, session -> (headers, payload) -> {
            throw new RejectedNotificationException(RejectionReason.BAD_CERTIFICATE);
        });

        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        final HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"ready\":true", "\"store\":\"reachable\"", "\"cyrusSocket\":\"listening\"",
                "\"topic\":\"" + pki.client().topic() + "\"", "\"usable\":true", "\"circuitBreaker\":\"CLOSED\"");

        registerAndMail();

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/readyz").statusCode() == 503);
        assertThat(get("/readyz").body()).contains("\"ready\":false",
                "no usable APNs credential (refused by APNs or expired)", "BadCertificate")
                .doesNotContain(TOKEN);
    }

    @Test
    void cyrusNamespaceKeysStillLoadAndAreNamedInOneWarning() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0,
                session -> (headers, payload) -> {
                });
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        final String text = Files.readString(config);
        Files.writeString(config, text.replace("  notify-socket: ", "  altnamespace: no\n  virtdomains: true\n"
                + "  notify-socket: "));
        final ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(IntakeSide.class);
        final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            service = MailpushService.start(ConfigLoader.load(config));
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .singleElement().asString().contains(config.toString(), "cyrus.altnamespace, cyrus.virtdomains",
                        "deprecated and ignored");
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void anExpiredCredentialIsNotReady() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final ExamplePki.ClientCredentialFiles expired = pki.issueClient("expired", ExamplePki.ClientSpec.mail()
                .withValidity(java.time.Instant.now().minus(Duration.ofDays(400)),
                        java.time.Instant.now().minus(Duration.ofDays(1))));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), expired.p12File(),
                expired.p12PasswordFile());
        service = MailpushService.start(ConfigLoader.load(config));

        final HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"problem\":\"expired\"");
    }

    @Test
    void aBadCredentialStopsStartupNamingTheKeyAndLeavesNothingRunning() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        Files.writeString(pki.client().p12PasswordFile(), "wrong\n");
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());

        assertThatThrownBy(() -> MailpushService.start(ConfigLoader.load(config)))
                .isInstanceOf(MailpushService.StartupException.class)
                .hasMessage("apns.credentials[0]: " + pki.client().p12File()
                        + ": wrong password for this PKCS#12 file");
        assertThat(dir.resolve("notify")).as("no socket left behind").doesNotExist();
    }

    @Test
    void aKeyOthersCanReadIsRefusedNamingTheFileAndTheFix() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        java.nio.file.Files.setPosixFilePermissions(pki.client().p12File(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        assertThatThrownBy(() -> MailpushService.start(ConfigLoader.load(config)))
                .isInstanceOf(MailpushService.StartupException.class)
                .hasMessage("apns.credentials[0].p12: " + pki.client().p12File() + " holds the APNs private key but"
                        + " others can read or change it (mode rw-r--r--): chmod 600 it, owned by the user mailpush"
                        + " runs as");

        java.nio.file.Files.setPosixFilePermissions(pki.client().p12File(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        java.nio.file.Files.setPosixFilePermissions(pki.client().p12PasswordFile(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        assertThatThrownBy(() -> MailpushService.start(ConfigLoader.load(config)))
                .hasMessageStartingWith("apns.credentials[0].password-file: " + pki.client().p12PasswordFile()
                        + " holds a secret but others can read or change it (mode rw-rw----)");
    }

    @Test
    void anImapProxyTlsKeyOthersCanReadIsRefusedAndNothingIsLeftRunning() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        java.nio.file.Files.setPosixFilePermissions(pki.serverKeyFile(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile());
        Files.writeString(config, String.join("\n",
                "imap-proxy:",
                "  listen-tls: 127.0.0.1:0",
                "  tls: { cert: " + pki.serverCertificateFile() + ", key: " + pki.serverKeyFile() + " }",
                "  upstream: { host: 127.0.0.1, port: 143, security: none }",
                ""), java.nio.file.StandardOpenOption.APPEND);

        assertThatThrownBy(() -> MailpushService.start(ConfigLoader.load(config)))
                .isInstanceOf(MailpushService.StartupException.class)
                .hasMessage("imap-proxy.tls.key: " + pki.serverKeyFile() + " holds the IMAP proxy's TLS private key"
                        + " but others can read or change it (mode rw-r-----): chmod 600 it, owned by the user"
                        + " mailpush runs as");
        assertThat(dir.resolve("notify")).as("no socket left behind").doesNotExist();
    }
}
