package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.testing.ManualTime;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The circuit breaker's open periods on a manual clock: short first, then a quarter of the time failing, capped. */
class OpenPeriodsTest {

    private final ManualTime time = new ManualTime(Instant.parse("2026-12-01T12:00:00Z"));
    private final OpenPeriods periods = new OpenPeriods(Duration.ofSeconds(1), Duration.ofMinutes(5), time.clock());

    /** Opens as Resilience4j would while APNs keeps failing: each period ends with a failed probe. */
    private long openAgainWhenItEnds(final int attempt) {
        final long wait = periods.opened(attempt);
        assertThat(periods.openUntil()).isEqualTo(time.now().toEpochMilli() + wait);
        time.advance(Duration.ofMillis(wait));
        return wait;
    }

    @Test
    void theFirstPeriodsAreShortAndLaterOnesAQuarterOfTheTimeFailing() {
        assertThat(openAgainWhenItEnds(1)).isEqualTo(1_000);
        assertThat(openAgainWhenItEnds(2)).as("failing 1 s: a quarter is under the first period").isEqualTo(1_000);
        assertThat(openAgainWhenItEnds(3)).isEqualTo(1_000);
        assertThat(openAgainWhenItEnds(4)).isEqualTo(1_000);
        assertThat(openAgainWhenItEnds(5)).as("failing 4 s").isEqualTo(1_000);
        assertThat(openAgainWhenItEnds(6)).as("failing 5 s").isEqualTo(1_250);
        assertThat(openAgainWhenItEnds(7)).as("failing 6.25 s").isEqualTo(1_562);
    }

    @Test
    void afterAnOutageOfDTheNextProbeIsAtMostAQuarterOfDAway() {
        int attempt = 1;
        long failing = 0;
        while (failing < 3_600_000) {
            final long wait = periods.opened(attempt++);
            // Whenever APNs comes back during this period, the probe at its end is at most wait away, and the
            // outage D has lasted at least `failing`: the rule is wait <= max(first, D / 4).
            assertThat(wait).isLessThanOrEqualTo(Math.max(1_000, Math.min(300_000, failing / 4 + 1)));
            time.advance(Duration.ofMillis(wait));
            failing += wait;
        }
        assertThat(periods.opened(attempt)).as("capped by the retry's longest back-off").isEqualTo(300_000);
    }

    @Test
    void closingStartsAgainFromTheFirstPeriod() {
        for (int attempt = 1; attempt <= 20; attempt++) {
            openAgainWhenItEnds(attempt);
        }
        assertThat(periods.opened(19)).isGreaterThan(1_000);
        time.advance(Duration.ofMinutes(10));
        assertThat(periods.opened(1)).as("a new outage after the breaker closed").isEqualTo(1_000);
    }
}
