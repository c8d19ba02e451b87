package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.store.Registration;
import org.mailpush.testing.ManualTime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * APNs answers every request 503 for D seconds in the middle of a burst, then recovers; the pusher's time is a
 * {@link ManualTime} (windows, back-offs, the circuit breaker's open periods), the APNs peer is real (TLS, HTTP/2).
 * The rule: every push still waiting is delivered within max(5 s, D/4) of APNs answering again (capped by the
 * retry's longest back-off), each device exactly once, and while APNs is down the breaker holds requests back
 * instead of spending each push's attempts.
 */
class OutageRecoveryTest extends MockApnsTestBase {

    /**
     * Sixty devices through a short and a long outage; and three through a long one, where the same few pushes
     * probe every time the breaker half-opens, so their back-offs grow long (without being sent early when the
     * breaker closes, the last would wait a minute more). On the manual clock with no jitter, the requests APNs
     * sees while down are exact.
     */
    @ParameterizedTest(name = "{1} devices, an outage of {0} s")
    @CsvSource({"5, 60, 52", "60, 60, 88", "60, 3, 52"})
    void everyWaitingPushIsDeliveredOnceWithinTheRecoveryRule(final int outageSeconds, final int devicesInBurst,
                                                              final int requestsWhileDown) throws Exception {
        final int all = devicesInBurst;
        final int beforeOutage = Math.max(1, all / 3);
        final AtomicBoolean down = new AtomicBoolean(false);
        script.script((n, token) -> down.get() ? Answer.reject(RejectionReason.SERVICE_UNAVAILABLE) : Answer.ACCEPT);
        // The defaults of a real installation: 12 attempts backing off from 1 s to 5 min, the breaker opening on
        // half of 20 failing (after 10), first for 1 s.
        final ApnsPusher pusher = pusher(b -> onManualTime(b)
                .newMailWindow(Duration.ofSeconds(30))
                .retry(12, Duration.ofSeconds(1), Duration.ofMinutes(5))
                .circuitBreaker(50, 20, 10, Duration.ofSeconds(1)));
        final List<Registration> devices = new ArrayList<>();
        for (int n = 1; n <= all; n++) {
            devices.add(register(n));
        }
        // A third of the burst is delivered; then APNs goes down and the rest meets the outage.
        for (int n = 0; n < beforeOutage; n++) {
            pusher.submit(devices.get(n), PushKind.NEW_MAIL);
        }
        settle(pusher);
        assertThat(pusher.counters().accepted()).isEqualTo(beforeOutage);
        down.set(true);
        final Instant outageStarted = time.now();
        for (int n = beforeOutage; n < all; n++) {
            pusher.submit(devices.get(n), PushKind.NEW_MAIL);
        }
        runUntil(time, pusher, outageStarted.plusSeconds(outageSeconds));
        final int requestsDuringOutage = script.requests() - beforeOutage;
        assertThat(pusher.circuitBreakers().get(0).getState()).isNotEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(pusher.counters().accepted()).as("nothing accepted while APNs is down").isEqualTo(beforeOutage);

        down.set(false);
        final Instant recovered = time.now();
        while (pusher.counters().accepted() < all) {
            final Duration next = time.nextTaskIn();
            assertThat(next).as("a push is still waiting, with nothing scheduled to send it").isNotNull();
            time.advance(next);
            settle(pusher);
        }
        final Duration recoveredIn = Duration.between(recovered, time.now());
        final Duration rule = Duration.ofSeconds(Math.max(5, outageSeconds / 4));
        assertThat(recoveredIn).as("every waiting push delivered within max(5 s, D/4) of recovery")
                .isLessThanOrEqualTo(rule);
        for (final Registration device : devices) {
            assertThat(results).filteredOn(r -> r.accepted()
                            && r.target().deviceToken().equals(device.deviceToken()))
                    .as("device %s delivered exactly once", device.deviceToken()).hasSize(1);
        }
        assertThat(script.requests() - beforeOutage - requestsDuringOutage).as("after recovery, one request each")
                .isEqualTo(all - beforeOutage);
        assertThat(pusher.counters().abandoned()).isZero();
        assertThat(pusher.circuitBreakers().get(0).getState()).as("closed, or half open with a probe to spare")
                .isNotEqualTo(CircuitBreaker.State.OPEN);
        // Held back, not hammered: without the breaker each would have tried about once per back-off (1, 2, 4, ...
        // s): for 60 s, about 7 times each; with it, the first failures and three probes per open period.
        assertThat(requestsDuringOutage).as("requests while APNs was down")
                .isLessThan(all - beforeOutage + 3 * outageSeconds).isEqualTo(requestsWhileDown);
    }
}
