package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What APNs' verdict on a token does to a calendar subscription in the real store (H2, through the token store):
 * 410 Unregistered removes it unless the device subscribed again after Apple's timestamp; BadDeviceToken removes it;
 * a removed subscription's follow-up push is forgotten; mail registrations are not touched.
 */
class DavSubscriptionRemovalTest extends MockApnsTestBase {

    private static final String TOPIC = "com.apple.calendar.XServer.934668ca-125e-4246-afee-8cf2df37aab8";
    private static final Duration DAV_DELAY = Duration.ofSeconds(3);
    private static ExamplePki.ClientCredentialFiles calendarCredential;

    /** What the mock answers each device token; accepted when not listed. */
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();

    @BeforeAll
    static void issueCalendarCredential() {
        calendarCredential = pki.issueClient("calendar", ExamplePki.ClientSpec.mail().withTopic(TOPIC));
    }

    private DavSubscriptionStore subscriptions() {
        return tokenStore.subscriptions();
    }

    private ApnsPusher davPusher() throws Exception {
        script.script((n, token) -> answers.getOrDefault(token, Answer.ACCEPT));
        return pusher(b -> {
            try {
                onManualTime(b).davChangeDelay(DAV_DELAY).subscriptions(subscriptions())
                        .credential(CredentialLoader.loadPkcs12(calendarCredential.p12File(),
                                ExamplePki.PASSWORD.toCharArray()));
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Stores device {@code n}'s subscription to one of alice's calendars, last subscribed at {@code at}. */
    private DavSubscription subscribe(final int n, final Instant at) {
        final DavSubscription subscription = new DavSubscription(token(n), "1178pie115u8qv1hhvvk0myj",
                "alice/1178pie115u8qv1hhvvk0myj", TOPIC, PushTarget.Kind.CALENDAR, "alice", at, at,
                at.plus(Duration.ofDays(1)));
        subscriptions().subscribe(subscription);
        return subscription;
    }

    @Test
    void unregisteredRemovesTheSubscriptionUnlessItWasRefreshedAfterApplesTimestamp() throws Exception {
        final ApnsPusher pusher = davPusher();
        final Instant now = time.now();
        final DavSubscription stale = subscribe(1, now.minus(Duration.ofDays(2)));
        final DavSubscription refreshed = subscribe(2, now.minus(Duration.ofHours(1)));
        final Instant appleSays = now.minus(Duration.ofDays(1));
        answers.put(stale.deviceToken(), Answer.unregistered(appleSays));
        answers.put(refreshed.deviceToken(), Answer.unregistered(appleSays));

        pusher.submit(stale, PushKind.COLLECTION_CHANGE);
        pusher.submit(refreshed, PushKind.COLLECTION_CHANGE);
        advance(pusher, DAV_DELAY);

        assertThat(script.requests()).isEqualTo(2);
        final PushResult staleResult = results.stream().filter(r -> r.target().equals(stale)).findFirst()
                .orElseThrow();
        assertThat(staleResult.status()).isEqualTo(410);
        assertThat(staleResult.verdict()).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(staleResult.tokenInvalidatedAt()).isEqualTo(appleSays);
        assertThat(staleResult.targetRemoved()).isTrue();
        assertThat(staleResult.describe()).contains("subscription removed");
        assertThat(subscriptions().findSubscription(stale.key())).as("not refreshed since Apple's time").isEmpty();

        final PushResult refreshedResult = results.stream().filter(r -> r.target().equals(refreshed)).findFirst()
                .orElseThrow();
        assertThat(refreshedResult.status()).isEqualTo(410);
        assertThat(refreshedResult.targetRemoved()).isFalse();
        assertThat(subscriptions().findSubscription(refreshed.key())).as("subscribed again after Apple's time")
                .isPresent();
        assertThat(pusher.counters().subscriptionsRemoved()).isEqualTo(1);
        assertThat(pusher.counters().registrationsRemoved()).isZero();
        assertThat(pusher.counters().rejected(PushTarget.Kind.CALENDAR)).isEqualTo(2);
        advance(pusher, Duration.ofHours(1));
        assertThat(script.requests()).as("never retried").isEqualTo(2);
    }

    @Test
    void badDeviceTokenRemovesTheSubscriptionAndItsFollowUpIsForgotten() throws Exception {
        final ApnsPusher pusher = davPusher();
        final DavSubscription dead = subscribe(1, time.now().minus(Duration.ofMinutes(5)));
        final java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        answers.put(dead.deviceToken(), Answer.rejectAfter(RejectionReason.BAD_DEVICE_TOKEN, answer));

        pusher.submit(dead, PushKind.COLLECTION_CHANGE);
        time.advance(DAV_DELAY);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> script.requests() == 1);
        // A change while the doomed push is in flight asks for a follow-up, which the removal cancels.
        pusher.submit(dead, PushKind.COLLECTION_CHANGE);
        answer.countDown();
        settle(pusher);

        assertThat(results).singleElement().satisfies(result -> {
            assertThat(result.status()).isEqualTo(400);
            assertThat(result.reason()).isEqualTo("BadDeviceToken");
            assertThat(result.targetRemoved()).isTrue();
        });
        assertThat(subscriptions().findSubscription(dead.key())).isEmpty();
        advance(pusher, Duration.ofMinutes(5));
        assertThat(script.requests()).as("no follow-up to a removed subscription").isEqualTo(1);
        assertThat(pusher.pending()).isZero();
    }

    @Test
    void aMailRegistrationOfTheSameDeviceIsNotTouched() throws Exception {
        final ApnsPusher pusher = davPusher();
        final Registration mail = register(1, time.now().minus(Duration.ofDays(2)));
        final DavSubscription calendar = subscribe(1, time.now().minus(Duration.ofDays(2)));
        answers.put(calendar.deviceToken(), Answer.unregistered(time.now().minus(Duration.ofDays(1))));

        final PushResult result = pusher.send(calendar).get(10, TimeUnit.SECONDS);

        assertThat(result.targetRemoved()).isTrue();
        assertThat(subscriptions().findSubscription(calendar.key())).isEmpty();
        assertThat(store.find(mail.key())).as("the mail registration is APNs' next answer's business").isPresent();
    }
}
