package org.mailpush.notifyd.cyrus;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.MailboxEvent;
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
    private static final CyrusEventParser EVENTS = new CyrusEventParser("pusher");
    private static final DlistNotifyParser DLISTS = new DlistNotifyParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);

    @FuzzTest(maxDuration = "30s")
    void cyrusNotifyDatagram(final byte[] input) {
        try {
            final NotifyDatagram datagram = DATAGRAMS.parse(input);
            parsesOrRefuses(datagram);
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }

    @FuzzTest(maxDuration = "30s")
    void cyrusDlistFrame(final byte[] input) {
        try {
            final NotifyDatagram notification = DLISTS.parse(input);
            parsesOrRefuses(notification);
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }

    /**
     * The event is parsed or refused with a one-line reason; a parsed one satisfies what routing relies on: a mailbox
     * event has a separator it can match names with, a subscription a push key of exactly one {@code /}.
     */
    private static void parsesOrRefuses(final NotifyDatagram notification) {
        try {
            final CyrusEventParser.Parsed parsed = EVENTS.parse(notification, 0);
            assertThat(parsed).isNotNull();
            if (parsed.event().orElse(null) instanceof MailboxEvent change) {
                assertThat(change.separator()).isIn('/', '.');
                assertThat(change.clientNames()).isNotEmpty().contains(change.mailbox());
            } else if (parsed.event().orElse(null) instanceof DavSubscriptionRequest subscription) {
                assertThat(subscription.pushKey().chars().filter(c -> c == '/').count()).isEqualTo(1);
                assertThat(subscription.deviceToken()).hasSize(64);
                assertThat(subscription.expiry()).isPositive().isLessThanOrEqualTo(DavSubscriptionRequest.MAX_EXPIRY);
            }
        } catch (final BadInputException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        }
    }
}
