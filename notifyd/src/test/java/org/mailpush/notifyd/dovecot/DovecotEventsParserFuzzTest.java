package org.mailpush.notifyd.dovecot;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailpush.notifyd.intake.BadInputException;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser of {@code POST /v1/events} bodies ({@link DovecotEventsParser}), fed by Jazzer: it must answer with a
 * batch of at most {@link DovecotEventsParser#MAX_EVENTS} events or a {@link BadInputException}, and nothing else.
 * In a normal test run the seeds in {@code DovecotEventsParserFuzzTestInputs/<method>/} (what the shipped Lua
 * script posts) and every finding kept there run as regression tests; {@code fuzz/run} fuzzes the target for a
 * while.
 */
class DovecotEventsParserFuzzTest {

    private static final DovecotEventsParser DOVECOT = new DovecotEventsParser("dovecot", Clock.systemUTC());

    @FuzzTest(maxDuration = "30s")
    void dovecotEventsBody(final byte[] input) {
        try {
            assertThat(DOVECOT.parse(input).events().size()).isLessThanOrEqualTo(DovecotEventsParser.MAX_EVENTS);
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }
}
