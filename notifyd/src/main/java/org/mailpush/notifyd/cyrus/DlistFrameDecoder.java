package org.mailpush.notifyd.cyrus;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Cuts a stream-mode notification out of what Cyrus writes: up to the CRLF that ends the dlist, skipping over the
 * literals it contains ({@code {n+}} CRLF and n bytes, in which a CRLF is data). Emits each whole notification as
 * a {@code byte[]}; refuses one longer than the limit. One per connection.
 */
final class DlistFrameDecoder extends ByteToMessageDecoder {

    private final int maxBytes;
    /** How far the frame at the reader index has been scanned, relative to it. */
    private int scanned;

    DlistFrameDecoder(final int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out)
            throws TooLongFrameException {
        final int start = in.readerIndex();
        while (true) {
            final int lf = in.indexOf(start + scanned, in.writerIndex(), (byte) '\n');
            if (lf < 0) {
                scanned = in.readableBytes();
                break;
            }
            final int literal = literalBefore(in, start, lf);
            if (literal < 0) {
                final int length = lf + 1 - start;
                if (length > maxBytes) {
                    throw tooLong(in);
                }
                out.add(ByteBufUtil.getBytes(in, start, length));
                in.skipBytes(length);
                scanned = 0;
                return;
            }
            final int afterLiteral = lf + 1 + literal;
            if (afterLiteral - start > maxBytes) {
                throw tooLong(in);
            }
            if (afterLiteral > in.writerIndex()) {
                // The literal is not all here yet: wait, and scan from the line end again next time.
                scanned = lf - start;
                break;
            }
            scanned = afterLiteral - start;
        }
        if (in.readableBytes() > maxBytes) {
            throw tooLong(in);
        }
    }

    private TooLongFrameException tooLong(final ByteBuf in) {
        in.skipBytes(in.readableBytes());
        scanned = 0;
        return new TooLongFrameException("notification longer than " + maxBytes + " bytes");
    }

    /** The length of a literal announced right before this line end ({@code {n}} or {@code {n+}}), else -1. */
    private static int literalBefore(final ByteBuf in, final int start, final int lf) {
        int i = lf - 1;
        if (i < start || in.getByte(i) != '\r') {
            return -1;
        }
        i--;
        if (i < start || in.getByte(i) != '}') {
            return -1;
        }
        i--;
        if (i >= start && in.getByte(i) == '+') {
            i--;
        }
        long length = 0;
        long scale = 1;
        int digits = 0;
        while (i >= start && in.getByte(i) >= '0' && in.getByte(i) <= '9' && digits < 10) {
            length += (in.getByte(i) - '0') * scale;
            scale *= 10;
            digits++;
            i--;
        }
        if (digits == 0 || i < start || in.getByte(i) != '{' || length > Integer.MAX_VALUE) {
            return -1;
        }
        return (int) length;
    }
}
