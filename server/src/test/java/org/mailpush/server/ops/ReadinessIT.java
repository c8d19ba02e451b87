package org.mailpush.server.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.testing.PostgresCluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /readyz} follows the install's real state: a PostgreSQL store that is stopped and started again, and the
 * only credential expiring and being replaced, each time not ready and then ready again without a restart.
 */
class ReadinessIT {

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

    private HttpResponse<String> readyz() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + service.opsAddress().getPort() + "/readyz")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void notReadyWhileTheStoreIsStoppedAndReadyOnceItIsBack() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        try (PostgresCluster database = PostgresCluster.create(Files.createDirectories(dir.resolve("pg")), "data")
                .start()) {
            database.psql("CREATE DATABASE mailpush");
            final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("unused"),
                    dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                    pki.client().p12PasswordFile());
            Files.writeString(config, Files.readString(config).replace("  url: jdbc:h2:file:" + dir.resolve("unused"),
                    "  url: " + database.jdbcUrl("mailpush") + "\n  user: postgres\n  failover-timeout: 2s"));
            service = MailpushService.start(ConfigLoader.load(config));
            assertThat(readyz().statusCode()).isEqualTo(200);

            database.stopImmediately();
            await().atMost(Duration.ofSeconds(20)).until(() -> readyz().statusCode() == 503);
            assertThat(readyz().body()).contains("\"store\":\"unreachable\"", "the token store is unreachable");

            database.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> readyz().statusCode() == 200);
            assertThat(readyz().body()).contains("\"store\":\"reachable\"");
        }
    }

    @Test
    void notReadyWhileTheOnlyCredentialIsExpiredAndReadyOnceARenewalIsInPlace() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final Instant now = Instant.now();
        final ExamplePki.ClientCredentialFiles expired = pki.issueClient("expired", ExamplePki.ClientSpec.mail()
                .withValidity(now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(1))));
        final ExamplePki.ClientCredentialFiles renewal = pki.issueClient("renewal", ExamplePki.ClientSpec.mail()
                .withTopic(expired.topic()));
        final Path installed = Files.copy(expired.p12File(), dir.resolve("mail.p12"));
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), installed,
                expired.p12PasswordFile(), "  reload-interval: 200ms");
        service = MailpushService.start(ConfigLoader.load(config));
        assertThat(readyz().statusCode()).isEqualTo(503);
        assertThat(readyz().body()).contains("\"problem\":\"expired\"",
                "no usable APNs credential (refused by APNs or expired)");

        // The renewal takes the expired file's place (same topic, same password), as 'certs install' does.
        final Path next = dir.resolve("mail.p12.next");
        Files.copy(renewal.p12File(), next);
        Files.move(next, installed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> readyz().statusCode() == 200);
        assertThat(readyz().body()).contains("\"usable\":true");
    }
}
