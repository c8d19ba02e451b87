package org.mailpush.server.service;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A single-host split install on H2: the intake (doors, router, queue writer) and the pusher (queue claimer) on one
 * H2 file. Registrations and new mail sent to the intake's notify socket end as one push per device at APNs, the
 * events of a device that arrive together are pushed once (merged into its queue row), and the queue ends empty.
 * In one JVM here; SplitProcessesIT runs the roles as processes on PostgreSQL.
 */
class SplitRolesOnH2Test {

    @TempDir
    Path dir;
    LoopbackApnsServer apns;
    final List<MailpushService> services = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        services.forEach(MailpushService::close);
        if (apns != null) {
            apns.close();
        }
    }

    @Test
    void pushesQueuedByTheIntakeAreSentByThePusherOncePerDevice() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        final MailpushConfig config = ConfigLoader.load(ExampleConfig.write(dir.resolve("mailpush.yaml"),
                dir.resolve("data/tokens"), dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(),
                pki.client().p12File(), pki.client().p12PasswordFile(), "  topic: " + pki.client().topic()));
        services.add(MailpushService.start(config, Role.INTAKE));
        final List<String> tokens = new ArrayList<>();
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (int n = 0; n < 20; n++) {
                final String token = String.format("%064x", 1000 + n);
                tokens.add(token);
                apns.allow(pki.client().topic(), token);
                cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\","
                        + "\"user\":\"user" + n + "\",\"apsVersion\":2,\"apsAccountId\":\"ACC-" + n + "\","
                        + "\"apsDeviceToken\":\"" + token + "\",\"apsSubtopic\":\"com.apple.mobilemail\","
                        + "\"mailboxes\":[\"INBOX\"]}"));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> services.get(0).registrations().count() == 20);
            // Three messages for each user before any pusher runs: one queued row per device.
            for (int round = 0; round < 3; round++) {
                for (int n = 0; n < 20; n++) {
                    cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\","
                            + "\"uri\":\"imap://h/user/user" + n + ";UIDVALIDITY=1/;UID=" + (round + 1)
                            + "\",\"user\":\"user" + n + "\"}"));
                }
            }
        }
        final MailpushService intake = services.get(0);
        await().atMost(Duration.ofSeconds(20)).until(() -> metric(intake, "mailpush_push_queue_written_total")
                == 60);
        try (TokenStore store = new TokenStoreBuilder().url(config.store().url()).build()) {
            assertThat(store.pushQueue().size()).as("one row per device").isEqualTo(20);
            assertThat(apns.received()).as("no pusher yet").isEmpty();

            services.add(MailpushService.start(config, Role.PUSHER));
            await().atMost(Duration.ofSeconds(30)).until(() -> apns.received().size() >= 20
                    && store.pushQueue().size() == 0);
        }
        assertThat(apns.received()).extracting(ReceivedPush::token).containsExactlyInAnyOrderElementsOf(tokens);
        assertThat(apns.received()).allSatisfy(push -> assertThat(push.accepted()).isTrue());
        assertThat(metric(services.get(1), "mailpush_push_queue_claims_total")).isEqualTo(20);
    }

    /** A counter's value from the service's own /metrics. */
    private double metric(final MailpushService service, final String name) throws Exception {
        final String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + service.opsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(name.length() + 1))).orElse(-1.0);
    }
}
