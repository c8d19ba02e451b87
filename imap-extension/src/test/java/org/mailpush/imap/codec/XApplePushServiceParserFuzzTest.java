package org.mailpush.imap.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The XAPPLEPUSHSERVICE command as a phone (or anyone reaching the IMAP port) can send it, fed by Jazzer to
 * {@link XApplePushServiceParser}: it answers with a request or an {@link ImapReply} naming the problem, and
 * nothing else. Seeds in {@code XApplePushServiceParserFuzzTestInputs/<method>/}; {@code fuzz/run} fuzzes the
 * target.
 */
class XApplePushServiceParserFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void xapplepushserviceCommand(final byte[] input) {
        try {
            final XApplePushServiceRequest request = XApplePushServiceParser.parse(input);
            assertThat(request.deviceToken()).isNotEmpty();
            assertThat(request.mailboxes().size()).isLessThanOrEqualTo(input.length);
        } catch (final ImapReply reply) {
            assertThat(reply.line("t")).startsWith("t ").endsWith("\r\n");
        }
    }
}
