package org.mailpush.imap.proxy;

import java.io.ByteArrayOutputStream;

/**
 * The bytes of a client command the proxy reads whole (XAPPLEPUSHSERVICE, ID, LOGIN's user), literals inline, up to
 * a bound: past it the command is only counted, and answered {@code BAD [TOOBIG]}. Not thread-safe.
 */
final class CommandBytes {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int maxBytes;
    private boolean overflowed;

    CommandBytes(final int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void add(final io.netty.buffer.ByteBuf part) {
        if (overflowed) {
            return;
        }
        if (bytes.size() + part.readableBytes() > maxBytes) {
            overflowed = true;
            bytes.reset();
            return;
        }
        bytes.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(part));
    }

    /** The command, or {@code null} when it was longer than the bound. */
    byte[] get() {
        return overflowed ? null : bytes.toByteArray();
    }
}
