package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * What the proxy says to the client itself (its refusals, its XAPPLEPUSHSERVICE answer, its {@code +} for a literal
 * it reads, STARTTLS's {@code OK}): queued, and written only at a boundary between server responses, never inside a
 * literal or a line the server is still sending. While anything waits here the session reads no further client
 * commands, so the order the client sees is exact.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ProxyReplies {

    private record Reply(String text, Runnable written) {
    }

    private final Channel client;
    private final BooleanSupplier atBoundary;
    private final Runnable drained;
    private final ArrayDeque<Reply> waiting = new ArrayDeque<>();

    /**
     * @param atBoundary whether the server's stream is between responses now
     * @param drained    run each time the queue has been written out
     */
    ProxyReplies(final Channel client, final BooleanSupplier atBoundary, final Runnable drained) {
        this.client = client;
        this.atBoundary = atBoundary;
        this.drained = drained;
    }

    /**
     * Queues one or more whole lines; written at once when the server's stream is at a boundary.
     *
     * @param written run right after they are written, before anything else is (STARTTLS, COMPRESS: the layer goes
     *                in then, so that these lines pass without it and everything after them through it);
     *                {@code null} for nothing
     */
    void add(final String lines, final Runnable written) {
        waiting.add(new Reply(lines, written));
        flush();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Writes what waits, if the server's stream is at a boundary. */
    void flush() {
        if (waiting.isEmpty() || !atBoundary.getAsBoolean()) {
            return;
        }
        while (!waiting.isEmpty()) {
            final Reply next = waiting.poll();
            final io.netty.buffer.ByteBuf bytes = Unpooled.copiedBuffer(next.text(), StandardCharsets.UTF_8);
            client.write(bytes);
            if (next.written() != null) {
                next.written().run();
            }
        }
        client.flush();
        drained.run();
    }
}
