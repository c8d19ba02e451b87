package org.mailpush.imap.proxy;

import io.netty.channel.Channel;

import java.util.EnumSet;
import java.util.function.BooleanSupplier;

/**
 * Whether the client is read: closed while any {@link Reason} holds. Closed, the client's frame decoder keeps what was
 * read (it cuts no frames) and the channel reads no more; opened, the decoder hands on what it kept, as if just read.
 * Opening is deferred to a task of its own on the event loop, so that the kept frames never arrive inside the server
 * event that lifted the last hold.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ClientReadGate {

    /** Why the client is not being read. */
    enum Reason {
        /** The upstream connection is not ready. */
        UPSTREAM,
        /** The server's {@code +} or tagged answer is awaited (literal, IDLE, AUTHENTICATE). */
        SERVER,
        /** A LOGIN awaits the server's answer. */
        LOGIN,
        /** A command waits until nothing else is outstanding. */
        QUIET,
        /** The proxy's own answer waits for a boundary in the server's stream. */
        REPLY,
        /** The proxy is answering XAPPLEPUSHSERVICE. */
        REGISTRATION,
        /** STARTTLS or COMPRESS: the layer is being put in place (for TLS, until its handshake is done). */
        LAYER,
        /** As many commands are outstanding as a session may have. */
        OUTSTANDING,
        /** The client does not take what it is sent (its channel is not writable). */
        CLIENT
    }

    private final Channel client;
    private final BooleanSupplier upstreamWritable;
    private final EnumSet<Reason> holds = EnumSet.noneOf(Reason.class);
    private ImapFrameDecoder decoder;
    private boolean resumeScheduled;

    /**
     * @param upstreamWritable whether the server side takes more bytes now (reading the client waits for it too)
     */
    ClientReadGate(final Channel client, final ImapFrameDecoder decoder, final BooleanSupplier upstreamWritable,
                   final Reason initial) {
        this.client = client;
        this.decoder = decoder;
        this.upstreamWritable = upstreamWritable;
        hold(initial);
    }

    /** The client's decoder was replaced (STARTTLS): the new one is held as the old one was. */
    void decoder(final ImapFrameDecoder replacement) {
        this.decoder = replacement;
        if (!holds.isEmpty()) {
            replacement.hold();
        }
    }

    boolean holds(final Reason reason) {
        return holds.contains(reason);
    }

    boolean isOpen() {
        return holds.isEmpty();
    }

    void hold(final Reason reason) {
        if (holds.add(reason)) {
            decoder.hold();
            client.config().setAutoRead(false);
        }
    }

    void release(final Reason reason) {
        if (holds.remove(reason) && holds.isEmpty() && !resumeScheduled) {
            resumeScheduled = true;
            client.eventLoop().execute(this::resume);
        }
    }

    /** The server side's writability changed: read the client again when it takes bytes and nothing holds. */
    void upstreamWritabilityChanged() {
        if (holds.isEmpty()) {
            client.config().setAutoRead(upstreamWritable.getAsBoolean());
        }
    }

    private void resume() {
        resumeScheduled = false;
        if (holds.isEmpty() && client.isActive()) {
            decoder.release();
            client.config().setAutoRead(holds.isEmpty() && upstreamWritable.getAsBoolean());
        }
    }
}
