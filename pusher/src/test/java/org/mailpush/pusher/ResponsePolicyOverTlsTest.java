package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each answer Apple can give, injected by the mock over real TLS: the registration is kept or removed, the push is
 * retried or not, the credential stays usable or not, and the server sees exactly the expected requests.
 */
class ResponsePolicyOverTlsTest extends MockApnsTestBase {

    @ParameterizedTest
    @EnumSource(names = {"BAD_DEVICE_TOKEN", "DEVICE_TOKEN_NOT_FOR_TOPIC"})
    void deadTokenReasonsRemoveTheRegistrationWithoutRetry(final RejectionReason reason) throws Exception {
        script.script((n, token) -> Answer.reject(reason));
        final ApnsPusher pusher = pusher(b -> { });
        final Registration registration = register(1);

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.verdict()).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(result.status()).isEqualTo(400);
        assertThat(result.targetRemoved()).isTrue();
        assertThat(store.find(registration.key())).isEmpty();
        assertThat(script.requests()).isEqualTo(1);
        assertThat(pusher.counters().retried()).isZero();
        assertThat(pusher.counters().registrationsRemoved()).isEqualTo(1);
        assertThat(pusher.credentials().get(0).usable()).isTrue();
        assertThat(pusher.credentials().get(0).circuitBreaker()).isEqualTo("CLOSED");
    }

    @Test
    void unregisteredRemovesOnlyWhenTheDeviceDidNotReRegisterAfterApplesTimestamp() throws Exception {
        final Instant registered = Instant.now();
        final Registration stale = register(1, registered.minus(Duration.ofDays(3)));
        final Registration fresh = register(2, registered);
        script.script((n, token) -> Answer.unregistered(registered.minus(Duration.ofDays(1))));
        final ApnsPusher pusher = pusher(b -> { });

        final PushResult staleResult = pusher.send(stale).get(10, TimeUnit.SECONDS);
        final PushResult freshResult = pusher.send(fresh).get(10, TimeUnit.SECONDS);

        assertThat(staleResult.status()).isEqualTo(410);
        assertThat(staleResult.targetRemoved()).isTrue();
        assertThat(store.find(stale.key())).isEmpty();
        assertThat(freshResult.status()).isEqualTo(410);
        assertThat(freshResult.targetRemoved()).isFalse();
        assertThat(store.find(fresh.key())).isPresent();
        assertThat(script.requests()).isEqualTo(2);
        assertThat(pusher.counters().rejected("Unregistered")).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(names = {"BAD_TOPIC", "MISSING_TOPIC", "PAYLOAD_EMPTY", "PAYLOAD_TOO_LARGE", "BAD_EXPIRATION_DATE",
            "BAD_PATH", "METHOD_NOT_ALLOWED"})
    void requestProblemsAreNeitherRetriedNorHeldAgainstTheToken(final RejectionReason reason) throws Exception {
        script.script((n, token) -> Answer.reject(reason));
        final ApnsPusher pusher = pusher(b -> { });
        final Registration registration = register(1);

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.verdict()).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(result.reason()).isEqualTo(appleName(reason));
        assertThat(store.find(registration.key())).isPresent();
        assertThat(script.requests()).isEqualTo(1);
        assertThat(pusher.counters().retried()).isZero();
        assertThat(pusher.credentials().get(0).usable()).isTrue();
        assertThat(pusher.credentials().get(0).circuitBreaker()).isEqualTo("CLOSED");
    }

    @ParameterizedTest
    @EnumSource(names = {"BAD_CERTIFICATE", "BAD_CERTIFICATE_ENVIRONMENT", "FORBIDDEN", "TOPIC_DISALLOWED"})
    void credentialProblemsStopThatCredential(final RejectionReason reason) throws Exception {
        script.script((n, token) -> Answer.reject(reason));
        final ApnsPusher pusher = pusher(b -> { });
        final Registration first = register(1);
        final Registration second = register(2);

        final PushResult refused = pusher.send(first).get(10, TimeUnit.SECONDS);
        final PushResult notSent = pusher.send(second).get(10, TimeUnit.SECONDS);

        assertThat(refused.verdict()).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(notSent.verdict()).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(notSent.attempts()).as("nothing is sent with a refused credential").isZero();
        assertThat(script.requests()).isEqualTo(1);
        final CredentialStatus status = pusher.credentials().get(0);
        assertThat(status.usable()).isFalse();
        assertThat(status.problem()).contains(refused.reason());
        assertThat(store.count()).isEqualTo(2);
        assertThat(pusher.counters().abandoned()).isEqualTo(1);
        assertThat(status.circuitBreaker()).as("a refused credential is not an outage").isEqualTo("CLOSED");
    }

    @ParameterizedTest
    @EnumSource(names = {"TOO_MANY_REQUESTS", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "SHUTDOWN",
            "IDLE_TIMEOUT"})
    void retryableReasonsAreRetriedUpToTheLimitThenAbandoned(final RejectionReason reason) throws Exception {
        script.script((n, token) -> Answer.reject(reason));
        final ApnsPusher pusher = pusher(b -> b.retry(4, Duration.ofMillis(10), Duration.ofMillis(20))
                .circuitBreaker(50, 100, 100, Duration.ofSeconds(1)));
        final Registration registration = register(1);

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.verdict()).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(result.attempts()).isEqualTo(4);
        assertThat(script.requests()).isEqualTo(4);
        assertThat(pusher.counters().retried()).isEqualTo(3);
        assertThat(pusher.counters().abandoned()).isEqualTo(1);
        assertThat(store.find(registration.key())).isPresent();
        assertThat(pusher.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
    }

    /** {@code PAYLOAD_TOO_LARGE} as Apple writes it: {@code PayloadTooLarge}. */
    static String appleName(final RejectionReason reason) {
        final StringBuilder name = new StringBuilder();
        for (final String word : reason.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return name.toString();
    }

    @Test
    void serviceUnavailableTwiceThenAccepted() throws Exception {
        script.script((n, token) -> n <= 2 ? Answer.reject(RejectionReason.SERVICE_UNAVAILABLE) : Answer.ACCEPT);
        final ApnsPusher pusher = pusher(b -> b.retry(5, Duration.ofMillis(10), Duration.ofMillis(20)));

        final PushResult result = pusher.send(register(1)).get(10, TimeUnit.SECONDS);

        assertThat(result.accepted()).isTrue();
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(script.requests()).isEqualTo(3);
        assertThat(pusher.counters().rejected("ServiceUnavailable")).isEqualTo(2);
        assertThat(pusher.counters().retried()).isEqualTo(2);
        assertThat(pusher.counters().accepted()).isEqualTo(1);
        assertThat(pusher.retries().get(0).getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
    }

    @Test
    void tooManyRequestsAnsweredSlowlyIsRetriedAfterBackOff() throws Exception {
        final CountDownLatch answer = new CountDownLatch(1);
        script.script((n, token) -> n == 1
                ? Answer.rejectAfter(RejectionReason.TOO_MANY_REQUESTS, answer) : Answer.ACCEPT);
        final ApnsPusher pusher = pusher(b -> onManualTime(b).retry(3, Duration.ofMillis(200), Duration.ofMillis(200)));

        final CompletableFuture<PushResult> sent = pusher.send(register(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests() == 1);
        time.advance(Duration.ofMillis(300)); // APNs answers 300 ms after the request
        answer.countDown();
        settle(pusher);
        advance(pusher, Duration.ofMillis(199));
        assertThat(script.requests()).as("the back-off (200 ms) counts from the answer").isEqualTo(1);
        advance(pusher, Duration.ofMillis(1));

        final PushResult result = sent.get(10, TimeUnit.SECONDS);
        assertThat(result.accepted()).isTrue();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(script.requests()).isEqualTo(2);
    }

    @Test
    void noRetryPastThePushExpiry() throws Exception {
        script.script((n, token) -> Answer.reject(RejectionReason.SERVICE_UNAVAILABLE));
        final ApnsPusher pusher = pusher(b -> b.expiration(Duration.ofMillis(300))
                .retry(50, Duration.ofMillis(100), Duration.ofMillis(100)));

        final PushResult result = pusher.send(register(1)).get(10, TimeUnit.SECONDS);

        assertThat(result.verdict()).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(result.attempts()).as("~300 ms of 50-150 ms back-off").isBetween(2, 7);
        assertThat(script.requests()).isEqualTo(result.attempts());
    }
}
