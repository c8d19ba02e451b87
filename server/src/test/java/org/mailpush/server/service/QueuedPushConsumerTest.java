package org.mailpush.server.service;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pusher process of a split install takes a queued calendar push to the pusher: pushed on the subscription's
 * topic with its key, and the row leaves the queue once Apple answered; a row whose subscription is gone is dropped.
 */
class QueuedPushConsumerTest {

    private static final String TOPIC = "com.apple.calendar.XServer.934668ca-125e-4246-afee-8cf2df37aab8";
    private static final String TOKEN = "ab".repeat(32);
    private static final String GONE = "cd".repeat(32);

    @TempDir
    Path dir;
    TokenStore store;
    LoopbackApnsServer apns;
    ApnsPusher pusher;
    QueuedPushConsumer consumer;

    @BeforeEach
    void start() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final ExamplePki.ClientCredentialFiles calendar = pki.issueClient("calendar",
                ExamplePki.ClientSpec.mail().withTopic(TOPIC));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(TOPIC, TOKEN);
        store = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        pusher = ApnsPusher.builder()
                .apnsServer("localhost", apns.port())
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(CredentialLoader.loadPkcs12(pki.client().p12File(), ExamplePki.PASSWORD.toCharArray()))
                .credential(CredentialLoader.loadPkcs12(calendar.p12File(), ExamplePki.PASSWORD.toCharArray()))
                .registrations(store.registrations())
                .subscriptions(store.subscriptions())
                .davChangeDelay(Duration.ZERO)
                .reloadInterval(Duration.ZERO)
                .build();
    }

    @AfterEach
    void stop() {
        if (consumer != null) {
            consumer.close();
        }
        pusher.close();
        if (consumer != null) {
            consumer.finish();
        }
        apns.close();
        store.close();
    }

    @Test
    void aQueuedCalendarPushIsPushedOnItsTopicAndLeavesTheQueueOnceAnswered() {
        final Instant now = Instant.now();
        final DavSubscription subscription = new DavSubscription(TOKEN, "1178pie115u8qv1hhvvk0myj",
                "alice/1178pie115u8qv1hhvvk0myj", TOPIC, PushTarget.Kind.CALENDAR, "alice", now, now,
                now.plus(Duration.ofDays(1)));
        store.subscriptions().subscribe(subscription);
        store.pushQueue().enqueue(subscription.key(), false, now);
        store.pushQueue().enqueue(new DavSubscription(GONE, "gone", "alice/gone", TOPIC, PushTarget.Kind.CALENDAR,
                "alice", now, now, now.plus(Duration.ofDays(1))).key(), false, now);

        consumer = new QueuedPushConsumer(store.pushQueue(), store.registrations(), store.subscriptions(),
                pusher::submit,
                QueuedPushConsumer.Settings.of(Duration.ofSeconds(30), Duration.ofSeconds(1), store.pushQueue()),
                java.time.Clock.systemUTC(), System::nanoTime, QueuedPushConsumer.claimerName()).start();

        await().atMost(Duration.ofSeconds(20)).until(() -> store.pushQueue().size() == 0);
        assertThat(apns.received()).singleElement().satisfies(push -> {
            assertThat(push.token()).isEqualTo(TOKEN);
            assertThat(push.topic()).isEqualTo(TOPIC);
            assertThat(push.priority()).isEqualTo("5");
            assertThat(push.payload()).startsWith("{\"key\":\"alice/1178pie115u8qv1hhvvk0myj\",");
            assertThat(push.accepted()).isTrue();
        });
        assertThat(apns.received()).extracting(ReceivedPush::token).doesNotContain(GONE);
        assertThat(pusher.counters().accepted(PushTarget.Kind.CALENDAR)).isEqualTo(1);
    }
}
