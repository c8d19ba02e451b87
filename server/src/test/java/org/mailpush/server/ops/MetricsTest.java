package org.mailpush.server.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Events through the whole pipeline (Cyrus notify socket, router, pusher, mock APNs over TLS), then a scrape of
 * {@code /metrics} with exact expectations for every counter the traffic touched.
 */
class MetricsTest {

    static final String PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String IPAD = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String OLD = "cd".repeat(32);

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

    private void start(final String... apnsLines) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        for (final String token : new String[]{PHONE, IPAD, OLD}) {
            apns.allow(pki.client().topic(), token);
        }
        service = MailpushService.start(ConfigLoader.load(ExampleConfig.write(dir.resolve("mailpush.yaml"),
                dir.resolve("data/tokens"), dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(),
                pki.client().p12File(), pki.client().p12PasswordFile(), apnsLines)));
    }

    private void send(final String... events) throws Exception {
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (final String event : events) {
                cyrus.send(event.startsWith("{") ? NotifyDatagramSender.eventDatagram("pusher", event)
                        : event.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    static String register(final String account, final String token) {
        return "{\"event\":\"ApplePushService\",\"user\":\"bob\",\"apsVersion\":2,\"apsAccountId\":\"" + account
                + "\",\"apsDeviceToken\":\"" + token + "\",\"apsSubtopic\":\"com.apple.mobilemail\","
                + "\"mailboxes\":[\"INBOX\"]}";
    }

    static String newMail(final int uid) {
        return "{\"event\":\"MessageNew\",\"uri\":\"imap://h/user/bob;UIDVALIDITY=1/;UID=" + uid + "\"}";
    }

    private Map<String, Double> scrape() throws Exception {
        final HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + service.opsAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        final Map<String, Double> samples = new LinkedHashMap<>();
        for (final String line : answer.body().lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    @Test
    void countsEveryStepOfTheTrafficExactly() throws Exception {
        start();
        send(register("ACC-PHONE", PHONE), register("ACC-IPAD", IPAD), register("ACC-OLD", OLD));
        await().atMost(Duration.ofSeconds(10)).until(() -> service.registrations().count() == 3);
        apns.unregister(OLD, Instant.now());

        // One message: a push to each of the three devices; the old one is refused and removed.
        send(newMail(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.received().size() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.registrations().count() == 2);
        // Three more within the new-mail window (1 s): one trailing push per device covers them.
        send(newMail(2), newMail(3), newMail(4));
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.received().size() == 5);
        // And one datagram that is not Cyrus's format.
        send("garbage without separators");
        await().atMost(Duration.ofSeconds(5)).until(() -> scrape().getOrDefault(
                "mailpush_bad_input_total{kind=\"no_nul\",source=\"cyrus\"}", 0.0) == 1.0);

        final Map<String, Double> metrics = scrape();
        assertThat(metrics).containsEntry("mailpush_events_received_total{source=\"cyrus\",type=\"ApplePushService\"}",
                3.0);
        assertThat(metrics).containsEntry("mailpush_events_received_total{source=\"cyrus\",type=\"MessageNew\"}", 4.0);
        assertThat(metrics).containsEntry("mailpush_registration_changes_total{change=\"added\"}", 3.0);
        assertThat(metrics).containsEntry("mailpush_registration_changes_total{change=\"removed_by_apns\"}", 1.0);
        assertThat(metrics).containsEntry("mailpush_registrations", 2.0);
        // 3 devices for the first message, 2 devices x 3 for the next three.
        assertThat(metrics).containsEntry("mailpush_push_requests_total", 9.0);
        // Per device: the second message schedules the trailing push, the third and fourth join it.
        assertThat(metrics).containsEntry("mailpush_pushes_coalesced_total", 4.0);
        assertThat(metrics).containsEntry("mailpush_pushes_accepted_total{kind=\"mail\"}", 4.0);
        assertThat(metrics).containsEntry("mailpush_pushes_rejected_total{kind=\"mail\",reason=\"Unregistered\"}",
                1.0);
        assertThat(metrics).containsEntry("mailpush_pushes_shed_total", 0.0);
        assertThat(metrics).containsEntry("mailpush_apns_requests_total", 5.0);
        assertThat(metrics).containsEntry("mailpush_apns_responses_total{status=\"200\"}", 4.0);
        assertThat(metrics).containsEntry("mailpush_apns_responses_total{status=\"410\"}", 1.0);
        assertThat(metrics).containsEntry("mailpush_push_latency_seconds_count{kind=\"mail\"}", 5.0);
        assertThat(metrics).containsEntry("mailpush_apns_round_trip_seconds_count", 5.0);
        // The latency in its two parts: event to the request leaving (3 sent at once for the first message, 2
        // trailing pushes that waited for the new-mail window), and request to answer (every request).
        assertThat(metrics).containsEntry("mailpush_push_dispatch_latency_seconds_count{coalescing=\"none\"}", 3.0);
        assertThat(metrics).containsEntry("mailpush_push_dispatch_latency_seconds_count{coalescing=\"waited\"}",
                2.0);
        assertThat(metrics).containsEntry("mailpush_apns_round_trip_seconds_bucket{le=\"+Inf\"}", 5.0);
        final String status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + service.opsAddress().getPort() + "/status.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).contains("\"latencyParts\":{\"eventToRequest\":{\"count\":3,",
                "\"eventToRequestAfterCoalescing\":{\"count\":2,", "\"requestToAnswer\":{\"count\":5,",
                "\"byKind\":{\"mail\":{\"accepted\":4,\"rejected\":1,\"failed\":0,\"latencyP50Ms\":",
                "\"calendar\":{\"accepted\":0,\"rejected\":0,\"failed\":0,\"latencyP50Ms\":null}");
        assertThat(metrics).containsEntry("mailpush_push_latency_seconds_bucket{kind=\"mail\",le=\"+Inf\"}",
                5.0);
        assertThat(metrics).containsEntry("mailpush_pushes_pending", 0.0);
        assertThat(metrics).containsEntry("mailpush_routing_queue_depth", 0.0);
        assertThat(metrics.keySet()).anyMatch(key -> key.startsWith("mailpush_credential_expires_in_seconds{topic="));
        assertThat(metrics.entrySet()).anyMatch(e -> e.getKey().startsWith("mailpush_credential_usable{")
                && e.getValue() == 1.0);
        assertThat(metrics.entrySet()).anyMatch(e -> e.getKey().startsWith("mailpush_circuit_breaker_state{")
                && e.getKey().contains("state=\"closed\"") && e.getValue() == 1.0);
        assertThat(metrics.keySet()).anyMatch(key -> key.startsWith("jvm_memory_used_bytes{"));
        assertThat(metrics.keySet()).noneMatch(key -> key.contains(PHONE) || key.contains("ACC-"));
        everyMetricTheDocsUseExists(metrics);
    }

    /**
     * The Grafana dashboard and the alert rules in docs/ name only metrics mailpush exposes: each is in this
     * scrape, or is a family created at its first sample (named in the code that creates it).
     */
    private static void everyMetricTheDocsUseExists(final Map<String, Double> scrape) throws Exception {
        final java.util.Set<String> exposed = new java.util.HashSet<>();
        for (final String key : scrape.keySet()) {
            exposed.add(key.replaceAll("\\{.*", ""));
        }
        final Map<String, String> createdOnFirstSample = Map.of(
                "mailpush_pushes_failed_total", "PushMetrics.java",
                "mailpush_events_shed_total", "IntakeMetrics.java",
                "mailpush_store_errors_total", "MeteredRegistrationStore.java",
                "mailpush_imap_proxy_sessions_open", "MailpushMetrics.java",
                "mailpush_imap_proxy_registrations_total", "MailpushMetrics.java");
        final Path root = Path.of("..").toAbsolutePath().normalize();
        final String docs = java.nio.file.Files.readString(root.resolve("docs/grafana/mailpush-dashboard.json"))
                + java.nio.file.Files.readString(root.resolve("docs/prometheus/mailpush-alerts.yml"));
        final java.util.regex.Matcher names = java.util.regex.Pattern.compile("mailpush_[a-z_]+").matcher(docs);
        final java.util.Set<String> used = new java.util.TreeSet<>();
        while (names.find()) {
            used.add(names.group());
        }
        assertThat(used).hasSizeGreaterThan(15);
        for (final String name : used) {
            if (exposed.contains(name)) {
                continue;
            }
            assertThat(createdOnFirstSample).as(name + " is used in docs/ but not exposed").containsKey(name);
            final String family = name.replaceAll("_total$", "");
            assertThat(java.nio.file.Files.readString(Path.of("src/main/java/org/mailpush/server/ops",
                    createdOnFirstSample.get(name)))).as(name).contains("\"" + family + "\"");
        }
    }

    @Test
    void pushesBeyondThePendingLimitAreShedAndCounted() throws Exception {
        start("  max-pending: 1");
        send(register("ACC-PHONE", PHONE), register("ACC-IPAD", IPAD), register("ACC-OLD", OLD));
        await().atMost(Duration.ofSeconds(10)).until(() -> service.registrations().count() == 3);
        send(newMail(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> apns.received().size() == 1);
        final Map<String, Double> metrics = scrape();
        assertThat(metrics).containsEntry("mailpush_push_requests_total", 3.0);
        assertThat(metrics).containsEntry("mailpush_pushes_shed_total", 2.0);
        assertThat(metrics).containsEntry("mailpush_pushes_accepted_total{kind=\"mail\"}", 1.0);
    }
}
