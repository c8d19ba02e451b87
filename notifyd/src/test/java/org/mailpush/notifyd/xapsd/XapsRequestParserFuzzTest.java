package org.mailpush.notifyd.xapsd;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailpush.notifyd.intake.BadInputException;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser of the xapsd API's {@code /register} and {@code /notify} bodies ({@link XapsRequestParser}), fed by
 * Jazzer: each input is read as both; each must answer with a registration (a hex device token) or a notification
 * (a user), or a {@link BadInputException}, and nothing else. In a normal test run the seeds in
 * {@code XapsRequestParserFuzzTestInputs/<method>/} (what the xaps plugin sends) and every finding kept there run
 * as regression tests; {@code fuzz/run} fuzzes the target for a while.
 */
class XapsRequestParserFuzzTest {

    private static final XapsRequestParser XAPSD = new XapsRequestParser(Clock.systemUTC());

    @FuzzTest(maxDuration = "30s")
    void xapsdBodies(final byte[] input) {
        try {
            assertThat(XAPSD.registration("xapsd", input).deviceToken()).matches("[0-9a-f]+");
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
        try {
            assertThat(XAPSD.notification("xapsd", input).username()).isNotEmpty();
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }
}
