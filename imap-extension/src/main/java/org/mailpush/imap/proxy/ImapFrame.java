package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

import java.nio.charset.StandardCharsets;

/**
 * A piece of an IMAP byte stream, cut where the protocol's framing says: a line, or part of a literal. The proxy
 * forwards frames as they come, so a large message body is never held whole.
 */
sealed interface ImapFrame extends ReferenceCounted permits ImapFrame.Line, ImapFrame.Literal {

    ByteBuf content();

    @Override
    default int refCnt() {
        return content().refCnt();
    }

    @Override
    default ReferenceCounted retain() {
        content().retain();
        return this;
    }

    @Override
    default ReferenceCounted retain(final int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    default ReferenceCounted touch() {
        content().touch();
        return this;
    }

    @Override
    default ReferenceCounted touch(final Object hint) {
        content().touch(hint);
        return this;
    }

    @Override
    default boolean release() {
        return content().release();
    }

    @Override
    default boolean release(final int decrement) {
        return content().release(decrement);
    }

    /**
     * A line, or a part of one too long to hold whole (server side only).
     *
     * @param startsLine    the content begins at the start of the line (its head can be inspected)
     * @param endsLine      the content ends with the line's CRLF
     * @param literalLength the length of the literal announced at the end of the line, -1 for none
     * @param synchronizing whether that literal is {@code {n}} (waits for a continuation) rather than {@code {n+}}
     */
    record Line(ByteBuf content, boolean startsLine, boolean endsLine, long literalLength, boolean synchronizing)
            implements ImapFrame {

        /** Whether this is a whole line, small enough to be looked at. */
        boolean whole() {
            return startsLine && endsLine;
        }

        boolean announcesLiteral() {
            return literalLength >= 0;
        }

        String text() {
            return content.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Part of a literal's bytes.
     *
     * @param last whether the literal ends with this part
     */
    record Literal(ByteBuf content, boolean last) implements ImapFrame {
    }
}
