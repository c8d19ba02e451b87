package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-credential circuit breaker on a manual clock, against the real mock APNs: opens on sustained failure and
 * holds requests back, half-opens to probe when its open period ends (a period that grows with the outage), and
 * closes; pushes backing off when it closes go within a second rather than when their back-off ends.
 */
class CircuitBreakerTest extends MockApnsTestBase {

    private final AtomicBoolean down = new AtomicBoolean(true);

    private ApnsPusher pusher(final int minimumCalls) throws Exception {
        script.script((n, token) -> down.get() ? Answer.reject(RejectionReason.SERVICE_UNAVAILABLE) : Answer.ACCEPT);
        return pusher(b -> onManualTime(b)
                .retry(12, Duration.ofSeconds(1), Duration.ofMinutes(5))
                .circuitBreaker(50, 20, minimumCalls, Duration.ofSeconds(1)));
    }

    private List<Registration> submit(final ApnsPusher pusher, final int devices) {
        final List<Registration> registrations = new ArrayList<>();
        for (int device = 1; device <= devices; device++) {
            registrations.add(register(device));
            pusher.submit(registrations.get(device - 1), PushKind.NEW_MAIL);
        }
        return registrations;
    }

    @Test
    void sustainedFailureOpensTheCircuitItHoldsRequestsAndItsOpenPeriodsGrow() throws Exception {
        final ApnsPusher pusher = pusher(10);
        submit(pusher, 10);
        settle(pusher);
        final CircuitBreaker breaker = pusher.circuitBreakers().get(0);
        assertThat(breaker.getState()).as("10 of 10 failed").isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(pusher.credentials().get(0).circuitBreaker()).isEqualTo("OPEN");
        final int whenOpened = script.requests();
        assertThat(whenOpened).isEqualTo(10);

        // The first period is 1 s: nothing goes before it ends, three probes go when it does.
        time.advance(Duration.ofMillis(999));
        settle(pusher);
        assertThat(script.requests()).as("no request while open").isEqualTo(whenOpened);
        time.advance(Duration.ofMillis(2));
        settle(pusher);
        assertThat(script.requests()).as("three probes").isEqualTo(whenOpened + 3);
        assertThat(breaker.getState()).as("the probes failed").isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(pusher.counters().circuitOpenRefusals()).isPositive();

        // A minute of failing: later periods are a quarter of the time failing so far (at least 1 s), so probes
        // come rarer: after those at 1 s, at 2, 3, 4, 5, 6.3, 7.8, 9.8, 12.2, 15.3, 19.1, 23.9, 29.9, 37.3, 46.7
        // and 58.3 s: 15 periods.
        runUntil(time, pusher, time.now().plusSeconds(60));
        final int probesInAMinute = script.requests() - whenOpened - 3;
        assertThat(probesInAMinute).as("probes in the minute, three per open period").isEqualTo(3 * 15);

        down.set(false);
        final Instant recovered = time.now();
        while (pusher.counters().accepted() < 10) {
            time.advance(time.nextTaskIn());
            settle(pusher);
        }
        assertThat(Duration.between(recovered, time.now())).as("at most a quarter of the 61 s failing")
                .isLessThanOrEqualTo(Duration.ofMillis(61_001 / 4 + 1));
        assertThat(script.requests()).as("then one request per push").isEqualTo(whenOpened + 3 + 45 + 10);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(pusher.counters().abandoned()).isZero();
        assertThat(results).filteredOn(PushResult::accepted).hasSize(10);
    }

    /**
     * With 20 calls needed before the breaker judges, five pushes fail four times each (backing off 1, 2, 4, 8 s:
     * the breaker opens at 7 s with all five backing off until 15 s). When its first open period ends, three of them
     * go early as its probes and fail; APNs comes back; the next probes close it, and the two still backing off
     * go within a second, not when their back-off ends.
     */
    @Test
    void pushesBackingOffWhenTheBreakerClosesGoWithinASecond() throws Exception {
        final ApnsPusher pusher = pusher(20);
        final Instant start = time.now();
        submit(pusher, 5);
        final CircuitBreaker breaker = pusher.circuitBreakers().get(0);
        settle(pusher);
        while (breaker.getState() != CircuitBreaker.State.OPEN) {
            time.advance(time.nextTaskIn());
            settle(pusher);
        }
        final Instant opened = time.now();
        assertThat(Duration.between(start, opened)).isEqualTo(Duration.ofSeconds(7));
        assertThat(script.requests()).isEqualTo(20);
        runUntil(time, pusher, opened.plusMillis(1_500));
        assertThat(script.requests()).as("the first probes went at the end of the open period, and failed")
                .isEqualTo(23);
        assertThat(pusher.counters().retried()).as("probes that fail spend no attempt").isEqualTo(20);
        down.set(false);
        final Instant recovered = time.now();
        while (breaker.getState() != CircuitBreaker.State.CLOSED) {
            time.advance(time.nextTaskIn());
            settle(pusher);
        }
        final Instant closed = time.now();
        assertThat(script.requests()).as("the next probes").isEqualTo(26);
        assertThat(pusher.counters().accepted()).isEqualTo(3);
        while (pusher.counters().accepted() < 5) {
            time.advance(time.nextTaskIn());
            settle(pusher);
        }
        assertThat(Duration.between(closed, time.now())).as("the two backing off until 15 s, within a second")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(Duration.between(closed, start.plusSeconds(15))).isGreaterThan(Duration.ofSeconds(5));
        final Duration outage = Duration.between(opened, recovered).plusSeconds(7);
        assertThat(Duration.between(recovered, time.now())).as("the recovery rule: max(5 s, D/4) of an outage of %s",
                outage).isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(script.requests()).as("one request each after the probes").isEqualTo(28);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(pusher.counters().abandoned()).isZero();
    }
}
