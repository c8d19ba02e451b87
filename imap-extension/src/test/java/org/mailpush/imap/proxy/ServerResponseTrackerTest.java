package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailpush.imap.proxy.ServerResponseTracker.Kind;
import static org.mailpush.imap.proxy.ServerResponseTracker.Next;

/** Every transition of the server side's framing, and how each kind of response is told apart. */
class ServerResponseTrackerTest {

    private final ServerResponseTracker tracker = new ServerResponseTracker();

    private static ImapFrame.Line line(final String text) {
        final io.netty.buffer.ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        return new ImapFrame.Line(content, true, text.endsWith("\n"), ImapFrameDecoder.literalAtEnd(content),
                false);
    }

    private static ImapFrame.Line part(final String text, final boolean starts, final boolean ends) {
        final io.netty.buffer.ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        return new ImapFrame.Line(content, starts, ends, ends ? ImapFrameDecoder.literalAtEnd(content) : -1, false);
    }

    @Test
    void responsesAreToldApartByTheirFirstWords() {
        assertThat(ServerResponseTracker.classify(Unpooled.copiedBuffer("+ go\r\n", StandardCharsets.UTF_8)).kind())
                .isEqualTo(Kind.CONTINUATION);
        for (final String status : new String[]{"OK", "NO", "BAD", "BYE", "PREAUTH", "ok"}) {
            final ServerResponseTracker.Response r = ServerResponseTracker.classify(
                    Unpooled.copiedBuffer("* " + status + " text\r\n", StandardCharsets.UTF_8));
            assertThat(r.kind()).as(status).isEqualTo(Kind.UNTAGGED_STATUS);
        }
        final ServerResponseTracker.Response fetch = ServerResponseTracker.classify(
                Unpooled.copiedBuffer("* 12 FETCH (FLAGS ())\r\n", StandardCharsets.UTF_8));
        assertThat(fetch.kind()).isEqualTo(Kind.DATA);
        assertThat(fetch.status()).isEqualTo("FETCH");
        assertThat(ServerResponseTracker.classify(Unpooled.copiedBuffer("* LIST () \"/\" x\r\n",
                StandardCharsets.UTF_8)).status()).isEqualTo("LIST");
        final ServerResponseTracker.Response tagged = ServerResponseTracker.classify(
                Unpooled.copiedBuffer("a1 OK done\r\n", StandardCharsets.UTF_8));
        assertThat(tagged.kind()).isEqualTo(Kind.TAGGED_STATUS);
        assertThat(tagged.tag()).isEqualTo("a1");
        assertThat(tagged.ok()).isTrue();
    }

    @Test
    void aDataResponseCarriesLiteralsAndEndsAtItsLastLine() {
        assertThat(tracker.atBoundary()).isTrue();
        assertThat(tracker.line(line("* 1 FETCH (BODY[] {5}\r\n"))).isEqualTo(Next.LITERAL);
        assertThat(tracker.atBoundary()).isFalse();
        assertThat(tracker.literalLength()).isEqualTo(5);
        tracker.literalRead(false);
        assertThat(tracker.inLiteral()).isTrue();
        tracker.literalRead(true);
        assertThat(tracker.inLiteral()).isFalse();
        assertThat(tracker.line(line(" BODY[HEADER] {0}\r\n"))).as("an empty literal").isEqualTo(Next.CONTINUES);
        assertThat(tracker.line(line(")\r\n"))).isEqualTo(Next.COMPLETE);
        assertThat(tracker.atBoundary()).isTrue();
        assertThat(tracker.current().status()).isEqualTo("FETCH");
    }

    @Test
    void statusResponsesAndContinuationsNeverAnnounceALiteral() {
        assertThat(tracker.line(line("a NO Mailbox doesn't exist: x{12}\r\n"))).isEqualTo(Next.COMPLETE);
        assertThat(tracker.atBoundary()).isTrue();
        assertThat(tracker.line(line("* OK [ALERT] {3}\r\n"))).isEqualTo(Next.COMPLETE);
        assertThat(tracker.line(line("+ {4}\r\n"))).isEqualTo(Next.COMPLETE);
        assertThat(tracker.line(line("* BYE {9}\r\n"))).isEqualTo(Next.COMPLETE);
    }

    @Test
    void aLongLineInPartsIsOneResponseClassifiedByItsFirstPart() {
        assertThat(tracker.line(part("* SEARCH 1 2 3", true, false))).isEqualTo(Next.CONTINUES);
        assertThat(tracker.inLongLine()).isTrue();
        assertThat(tracker.atBoundary()).isFalse();
        assertThat(tracker.line(part(" 4 5 6", false, false))).isEqualTo(Next.CONTINUES);
        assertThat(tracker.line(part(" 7\r\n", false, true))).isEqualTo(Next.COMPLETE);
        assertThat(tracker.current().status()).isEqualTo("SEARCH");
        assertThat(tracker.line(part("* 1 FETCH (BODY[] \"x", true, false))).isEqualTo(Next.CONTINUES);
        assertThat(tracker.line(part("y\" BODY[1] {2}\r\n", false, true))).as("its last part's literal counts")
                .isEqualTo(Next.LITERAL);
    }

    @Test
    void linesWhereLiteralBytesAreDueAreABug() {
        tracker.line(line("* 1 FETCH (BODY[] {5}\r\n"));
        assertThatThrownBy(() -> tracker.line(line("x\r\n"))).isInstanceOf(IllegalStateException.class);
        final ServerResponseTracker idle = new ServerResponseTracker();
        assertThatThrownBy(() -> idle.literalRead(true)).isInstanceOf(IllegalStateException.class);
    }
}
