package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.mailpush.pusher.ScriptedApns.Answer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The per-credential circuit breaker: opens on sustained failure, stops sending, half-opens to probe, closes. */
class CircuitBreakerTest extends MockApnsTestBase {

    @Test
    void sustainedFailureOpensTheCircuitAndRecoveryClosesIt() throws Exception {
        final AtomicBoolean down = new AtomicBoolean(true);
        script.script((n, token) -> down.get() ? Answer.reject(RejectionReason.SERVICE_UNAVAILABLE) : Answer.ACCEPT);
        final ApnsPusher pusher = pusher(b -> b
                .retry(100, Duration.ofMillis(20), Duration.ofMillis(50))
                .circuitBreaker(50, 4, 4, Duration.ofMillis(500)));
        for (int device = 1; device <= 10; device++) {
            pusher.submit(register(device), PushKind.NEW_MAIL);
        }

        final CircuitBreaker breaker = pusher.circuitBreakers().get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
        assertThat(pusher.credentials().get(0).circuitBreaker()).isEqualTo("OPEN");
        final int seenWhenOpened = script.requests();
        assertThat(seenWhenOpened).as("4 failures in the window open it").isBetween(4, 14);
        Thread.sleep(300);
        assertThat(script.requests()).as("no request while open").isEqualTo(seenWhenOpened);
        assertThat(pusher.stats().circuitOpenRefusals()).isPositive();

        down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> pusher.stats().accepted() == 10);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        for (int device = 1; device <= 10; device++) {
            assertThat(results).filteredOn(r -> r.accepted()).extracting(r -> r.registration().deviceToken())
                    .contains(token(device));
        }
        assertThat(pusher.stats().abandoned()).isZero();
    }
}
