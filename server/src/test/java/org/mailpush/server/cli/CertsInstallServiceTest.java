package org.mailpush.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.Registration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mailpush.server.cli.Cli.mailpush;

/**
 * The yearly renewal, end to end: {@code certs install} of a new certificate into a running service. APNs trusts
 * the old certificate before the switch and only the new one after it; pushes reach it both times, without a
 * restart.
 */
class CertsInstallServiceTest {

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

    @Test
    void aRenewalInstalledIntoARunningServiceIsUsedWithoutRestart() throws Exception {
        final ExamplePki old = ExamplePki.create(dir.resolve("old"));
        final String topic = old.client().topic();
        // The renewal comes from another CA, so a server that trusts only that CA refuses the old certificate.
        final ExamplePki next = ExamplePki.create(dir.resolve("next"));
        final Instant now = Instant.now();
        final ExamplePki.ClientCredentialFiles renewal = next.issueClient("renewal", ExamplePki.ClientSpec.mail()
                .withTopic(topic).withValidity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(400))));

        apns = LoopbackApnsServer.start(old.serverCertificateFile(), old.serverKeyFile(), old.caCertificateFile(), 0);
        apns.allow(topic, TOKEN);
        final int port = apns.port();
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, port, old.caCertificateFile(), old.client().p12File(),
                old.client().p12PasswordFile(), "  reload-interval: 200ms");
        service = MailpushService.start(ConfigLoader.load(config));
        service.registrations().register(Registration.of("bob", "ACC", TOKEN, "com.apple.mobilemail", 2,
                Set.of("INBOX"), topic, Instant.now()));

        newMail(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.receivedFor(TOKEN).size() == 1);
        assertThat(apns.receivedFor(TOKEN).get(0).accepted()).isTrue();

        final Cli.Run installed = mailpush("certs", "install", renewal.certificateFile().toString(), "--key",
                renewal.keyFile().toString(), "--config", config.toString());
        assertThat(installed.exit()).as(installed.all()).isZero();
        assertThat(installed.out()).contains("installed: replaced apns.credentials[0]");
        final String newExpiry = renewal.certificate().getNotAfter().toInstant().toString();
        await().atMost(Duration.ofSeconds(10)).until(() -> readyz().contains("\"notAfter\":\"" + newExpiry + "\""));

        // From now on APNs accepts only the new certificate.
        apns.close();
        apns = LoopbackApnsServer.start(old.serverCertificateFile(), old.serverKeyFile(), next.caCertificateFile(),
                port);
        apns.allow(topic, TOKEN);
        newMail(2);
        await().atMost(Duration.ofSeconds(15)).until(() -> apns.receivedFor(TOKEN).size() == 1);
        assertThat(apns.receivedFor(TOKEN).get(0).accepted()).isTrue();
        assertThat(readyz()).contains("\"ready\":true");
    }

    private void newMail(final int uid) throws Exception {
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\","
                    + "\"uri\":\"imap://h/user/bob;UIDVALIDITY=1/;UID=" + uid + "\",\"user\":\"bob\"}"));
        }
    }

    private String readyz() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + service.opsAddress().getPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
