package org.mailpush.notifyd.cyrus;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailpush.notifyd.intake.BadInputException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parsers of what Cyrus writes to the notify socket, fed by Jazzer: a datagram ({@link NotifyDatagramParser})
 * or a stream-mode dlist ({@link DlistNotifyParser}), then its event JSON ({@link CyrusEventParser}). Each must
 * answer with a parsed event or a {@link BadInputException}, and nothing else (no other exception, no hang, no
 * unbounded allocation). In a normal test run the seeds in {@code CyrusParsersFuzzTestInputs/<method>/} (real
 * Cyrus captures) and every finding kept there run as regression tests; {@code fuzz/run} fuzzes each target for a
 * while.
 */
class CyrusParsersFuzzTest {

    private static final NotifyDatagramParser DATAGRAMS = new NotifyDatagramParser(
            NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private static final CyrusEventParser[] EVENTS = {
            new CyrusEventParser("pusher", CyrusNamespace.DEFAULT),
            new CyrusEventParser("pusher", new CyrusNamespace(false, false, true))};
    private static final DlistNotifyParser DLISTS = new DlistNotifyParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);

    @FuzzTest(maxDuration = "30s")
    void cyrusNotifyDatagram(final byte[] input) {
        try {
            final NotifyDatagram datagram = DATAGRAMS.parse(input);
            for (final CyrusEventParser events : EVENTS) {
                try {
                    assertThat(events.parse(datagram, 0)).isNotNull();
                } catch (final BadInputException e) {
                    assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
                }
            }
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void cyrusDlistFrame(final byte[] input) {
        try {
            final NotifyDatagram notification = DLISTS.parse(input);
            for (final CyrusEventParser events : EVENTS) {
                try {
                    assertThat(events.parse(notification, 0)).isNotNull();
                } catch (final BadInputException e) {
                    assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
                }
            }
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }
}
