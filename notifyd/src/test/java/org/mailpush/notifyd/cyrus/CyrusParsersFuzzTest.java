package org.mailpush.notifyd.cyrus;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailpush.notifyd.dovecot.DovecotEventsParser;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.xapsd.XapsRequestParser;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every parser of bytes that reach mailpush from outside, fed by Jazzer: each must answer with a parsed event or a
 * {@link BadInputException}, and nothing else (no other exception, no hang, no unbounded allocation). In a normal
 * test run the seeds in {@code CyrusParsersFuzzTestInputs/<method>/} (real Cyrus captures and intake bodies)
 * and every finding kept there run as regression tests; {@code fuzz/run} fuzzes each target for a while.
 */
class CyrusParsersFuzzTest {

    private static final NotifyDatagramParser DATAGRAMS = new NotifyDatagramParser(
            NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private static final CyrusEventParser[] EVENTS = {
            new CyrusEventParser("pusher", CyrusNamespace.DEFAULT),
            new CyrusEventParser("pusher", new CyrusNamespace(false, false, true))};
    private static final DlistNotifyParser DLISTS = new DlistNotifyParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private static final DovecotEventsParser DOVECOT = new DovecotEventsParser("dovecot", Clock.systemUTC());
    private static final XapsRequestParser XAPSD = new XapsRequestParser(Clock.systemUTC());

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

    @FuzzTest(maxDuration = "30s")
    void dovecotEventsBody(final byte[] input) {
        try {
            assertThat(DOVECOT.parse(input).events().size()).isLessThanOrEqualTo(DovecotEventsParser.MAX_EVENTS);
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }

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
