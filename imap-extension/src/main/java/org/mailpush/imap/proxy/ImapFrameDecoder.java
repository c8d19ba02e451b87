package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Cuts an IMAP byte stream into {@link ImapFrame}s: lines up to their CRLF, and literal bytes as they arrive,
 * without holding a literal whole.
 *
 * <p>The decoder does not decide on its own that bytes are a literal: whether {@code {5}} at the end of a line
 * announces one depends on the protocol state (a synchronizing literal counts only after the server's {@code +};
 * an AUTHENTICATE response or a status response never announces one), which the session's trackers know. So it
 * reports the announcement on the {@link ImapFrame.Line} and enters literal mode only when told
 * ({@link #expectLiteral}). To make that possible it emits one frame per decode step, and its owner handles each
 * frame before the next is cut; {@link #hold()} stops it cutting frames at all (the bytes wait in its buffer) until
 * {@link #release()}.</p>
 *
 * <p>A line longer than {@code maxLineLength} is refused with {@link TooLongFrameException} (client side), or
 * passed on in parts that cannot be inspected whole (server side, {@code streamLongLines}: a long SEARCH or FETCH
 * response is legitimate). A literal longer than {@code maxLiteralLength} is refused by the tracker that announces
 * it.</p>
 *
 * <p>One instance per channel, used on its event loop only.</p>
 */
final class ImapFrameDecoder extends ByteToMessageDecoder {

    /** Long enough to hold a literal marker and CRLF that a streamed part must not cut. */
    private static final int MARKER_TAIL = 24;

    private final int maxLineLength;
    private final boolean streamLongLines;

    private ChannelHandlerContext context;
    private long literalRemaining;
    private boolean inLongLine;
    private int scanned;
    private boolean held;

    ImapFrameDecoder(final int maxLineLength, final boolean streamLongLines) {
        this.maxLineLength = maxLineLength;
        this.streamLongLines = streamLongLines;
        // Literal parts are slices of what was read and live on until written out: a merging cumulator would have
        // to copy every read behind them; a composite one only links the buffers.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    /** The next {@code length} bytes are literal data (0 is allowed: nothing changes). */
    void expectLiteral(final long length) {
        if (length < 0) {
            throw new IllegalArgumentException("literal length " + length);
        }
        literalRemaining = length;
    }

    /** Whether literal bytes are still to come. */
    boolean inLiteral() {
        return literalRemaining > 0;
    }

    /** Stops cutting frames: what was read, and what is read next, waits in this decoder. */
    void hold() {
        held = true;
    }

    boolean isHeld() {
        return held;
    }

    /** Cuts frames again, starting with the bytes that waited. */
    void release() {
        if (!held) {
            return;
        }
        held = false;
        if (context != null && !context.isRemoved() && actualReadableBytes() > 0) {
            try {
                // An empty read makes ByteToMessageDecoder decode what it holds, as if the bytes had just come.
                channelRead(context, Unpooled.EMPTY_BUFFER);
                channelReadComplete(context);
            } catch (final Exception e) {
                context.fireExceptionCaught(e);
            }
        }
    }

    /** Whether bytes were read that no frame has carried yet (e.g. bytes a client sent after STARTTLS). */
    boolean hasBufferedBytes() {
        return actualReadableBytes() > 0;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
            throws TooLongFrameException {
        if (held || !in.isReadable()) {
            return;
        }
        if (literalRemaining > 0) {
            final int take = (int) Math.min(in.readableBytes(), literalRemaining);
            literalRemaining -= take;
            out.add(new ImapFrame.Literal(in.readRetainedSlice(take), literalRemaining == 0));
            return;
        }
        final int lf = in.indexOf(in.readerIndex() + scanned, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            scanned = in.readableBytes();
            if (in.readableBytes() > maxLineLength) {
                if (!streamLongLines) {
                    in.skipBytes(in.readableBytes());
                    scanned = 0;
                    throw new TooLongFrameException("line longer than " + maxLineLength + " bytes");
                }
                final int part = in.readableBytes() - MARKER_TAIL;
                out.add(new ImapFrame.Line(in.readRetainedSlice(part), !inLongLine, false, -1, false));
                inLongLine = true;
                scanned = MARKER_TAIL;
            }
            return;
        }
        final int length = lf - in.readerIndex() + 1;
        scanned = 0;
        if (length > maxLineLength && !streamLongLines) {
            in.skipBytes(length);
            throw new TooLongFrameException("line longer than " + maxLineLength + " bytes");
        }
        final ByteBuf line = in.readRetainedSlice(length);
        final long literal = literalAtEnd(line);
        final boolean synchronizing = literal >= 0 && !nonSynchronizing(line);
        out.add(new ImapFrame.Line(line, !inLongLine, true, literal, synchronizing));
        inLongLine = false;
    }

    /** Marker sizes past this many significant digits (10^18 bytes) are reported as {@link Long#MAX_VALUE}. */
    private static final int MAX_SIGNIFICANT_DIGITS = 18;

    /**
     * The n of a {@code {n}} or {@code {n+}} right before the line's CRLF (or LF), -1 when there is none. Leading
     * zeros count for nothing, as servers read them ({@code {0005}} is 5); a size past 10^18 is
     * {@link Long#MAX_VALUE}, too big for any bound, rather than no literal at all.
     */
    static long literalAtEnd(final ByteBuf line) {
        final int close = closingBrace(line);
        if (close < 0) {
            return -1;
        }
        final int start = line.readerIndex();
        int lastDigit = close - 1;
        if (lastDigit >= start && line.getByte(lastDigit) == '+') {
            lastDigit--;
        }
        int firstDigit = lastDigit;
        while (firstDigit >= start && line.getByte(firstDigit) >= '0' && line.getByte(firstDigit) <= '9') {
            firstDigit--;
        }
        if (firstDigit == lastDigit || firstDigit < start || line.getByte(firstDigit) != '{') {
            return -1;
        }
        long value = 0;
        int significant = 0;
        for (int i = firstDigit + 1; i <= lastDigit; i++) {
            final int digit = line.getByte(i) - '0';
            if (significant > 0 || digit != 0) {
                if (++significant > MAX_SIGNIFICANT_DIGITS) {
                    return Long.MAX_VALUE;
                }
                value = value * 10 + digit;
            }
        }
        return value;
    }

    /** Whether the marker at the end of the line is {@code {n+}} (RFC 7888), with CRLF or a bare LF after it. */
    static boolean nonSynchronizing(final ByteBuf line) {
        final int close = closingBrace(line);
        return close > line.readerIndex() && line.getByte(close - 1) == '+';
    }

    /** Where the {@code }} that ends the line (before CRLF or LF) is, -1 when the line does not end in one. */
    private static int closingBrace(final ByteBuf line) {
        int i = line.writerIndex() - 1;
        final int start = line.readerIndex();
        if (i < start || line.getByte(i) != '\n') {
            return -1;
        }
        i--;
        if (i >= start && line.getByte(i) == '\r') {
            i--;
        }
        return i >= start && line.getByte(i) == '}' ? i : -1;
    }
}
