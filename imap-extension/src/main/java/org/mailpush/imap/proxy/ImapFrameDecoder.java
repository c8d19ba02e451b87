package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Cuts an IMAP byte stream into {@link ImapFrame}s: lines up to their CRLF, and the literals they announce
 * ({@code {n}} or {@code {n+}} before the CRLF) as they arrive, without holding them whole.
 *
 * <p>A line longer than {@code maxLineLength} is refused with {@link TooLongFrameException} (client side), or passed
 * on in parts that cannot be inspected (server side: a long SEARCH or FETCH response is legitimate). A literal
 * longer than {@code maxLiteralLength} is refused. One instance per channel.</p>
 */
final class ImapFrameDecoder extends ByteToMessageDecoder {

    /** Long enough to hold a literal marker and CRLF that a streamed part must not cut. */
    private static final int MARKER_TAIL = 24;

    private final int maxLineLength;
    private final boolean streamLongLines;
    private final long maxLiteralLength;

    private long literalRemaining;
    private boolean inLongLine;
    private int scanned;

    ImapFrameDecoder(final int maxLineLength, final boolean streamLongLines, final long maxLiteralLength) {
        this.maxLineLength = maxLineLength;
        this.streamLongLines = streamLongLines;
        this.maxLiteralLength = maxLiteralLength;
        // Literal parts are slices of what was read and live on until written out: a merging cumulator would have
        // to copy every read behind them; a composite one only links the buffers.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
            throws TooLongFrameException {
        while (in.isReadable()) {
            if (literalRemaining > 0) {
                final int take = (int) Math.min(in.readableBytes(), literalRemaining);
                literalRemaining -= take;
                out.add(new ImapFrame.Literal(in.readRetainedSlice(take), literalRemaining == 0));
                continue;
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
            final boolean synchronizing = literal >= 0 && line.getByte(line.writerIndex() - 4) != '+';
            if (literal > maxLiteralLength) {
                line.release();
                throw new TooLongFrameException("literal of " + literal + " bytes, more than " + maxLiteralLength);
            }
            out.add(new ImapFrame.Line(line, !inLongLine, true, literal, synchronizing));
            inLongLine = false;
            literalRemaining = Math.max(0, literal);
            if (literal == 0) {
                // {0}: an empty literal; the command goes on at the next line.
                literalRemaining = 0;
            }
        }
    }

    /** The n of a {@code {n}} or {@code {n+}} right before the line's CRLF (or LF), -1 when there is none. */
    static long literalAtEnd(final ByteBuf line) {
        int i = line.writerIndex() - 1;
        final int start = line.readerIndex();
        if (i < start || line.getByte(i) != '\n') {
            return -1;
        }
        i--;
        if (i >= start && line.getByte(i) == '\r') {
            i--;
        }
        if (i < start || line.getByte(i) != '}') {
            return -1;
        }
        i--;
        if (i >= start && line.getByte(i) == '+') {
            i--;
        }
        long value = 0;
        long multiplier = 1;
        int digits = 0;
        while (i >= start && line.getByte(i) >= '0' && line.getByte(i) <= '9') {
            value += (line.getByte(i) - '0') * multiplier;
            multiplier *= 10;
            digits++;
            i--;
            if (digits > 18) {
                return -1;
            }
        }
        if (digits == 0 || i < start || line.getByte(i) != '{') {
            return -1;
        }
        return value;
    }
}
