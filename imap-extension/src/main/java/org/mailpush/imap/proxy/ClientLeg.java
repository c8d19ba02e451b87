package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import static org.mailpush.imap.proxy.ClientReadGate.Reason;
import static org.mailpush.imap.proxy.ImapProxySession.LOG;

/**
 * A session's client connection and what sits on it: the frame decoder (a new one under each layer STARTTLS or
 * COMPRESS puts in), the {@link ClientReadGate} that says whether the client is read, the {@link ProxyReplies} the
 * proxy says itself, and whether the connection is under TLS. The proxy's own lines, and its last one before it
 * closes, go out only at a boundary between server responses. Made when the client's channel is active, with the
 * gate held until the upstream connection is ready.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ClientLeg {

    private final Channel channel;
    private final Supplier<ImapFrameDecoder> newDecoder;
    private final UpstreamLeg upstream;
    private final ProxyCounters counters;
    private final ClientReadGate gate;
    private final ProxyReplies replies;
    private ImapFrameDecoder decoder;
    private boolean tls;

    /**
     * @param decoder    the decoder in the client's pipeline now
     * @param newDecoder makes the decoder that goes in when a layer does
     * @param tls        whether the connection started with TLS
     */
    ClientLeg(final Channel channel, final ImapFrameDecoder decoder, final Supplier<ImapFrameDecoder> newDecoder,
              final UpstreamLeg upstream, final boolean tls, final ProxyCounters counters) {
        this.channel = channel;
        this.decoder = decoder;
        this.newDecoder = newDecoder;
        this.upstream = upstream;
        this.tls = tls;
        this.counters = counters;
        this.gate = new ClientReadGate(channel, decoder, upstream::writable, Reason.UPSTREAM);
        this.replies = new ProxyReplies(channel, upstream::atBoundary, () -> gate.release(Reason.REPLY));
    }

    Channel channel() {
        return channel;
    }

    /** The client's frame decoder now (it changes when a layer goes in). */
    ImapFrameDecoder decoder() {
        return decoder;
    }

    ClientReadGate gate() {
        return gate;
    }

    ProxyReplies replies() {
        return replies;
    }

    /** Whether the client's connection is under TLS. */
    boolean tls() {
        return tls;
    }

    /** STARTTLS put TLS in (its handshake may still be going on). */
    void tlsStarted() {
        tls = true;
    }

    /** Queues lines of the proxy's own; the client is read no further until they are written, at a boundary. */
    void reply(final String lines, final Runnable written) {
        gate.hold(Reason.REPLY);
        replies.add(lines, written);
    }

    /** A new layer sits under the decoder: nothing read before it may be read after it, so a new decoder. */
    void replaceDecoder() {
        if (decoder.hasBufferedBytes()) {
            channel.close();
            return;
        }
        decoder = newDecoder.get();
        gate.decoder(decoder);
        channel.pipeline().replace("frames", "frames", decoder);
    }

    /** Ends a session whose client sent a line or a literal over its bound. */
    void tooBig(final String what) {
        counters.clientRefused();
        LOG.info("IMAP proxy: closing a session from {}: {} too long", remote(), what);
        closeWith("* BYE [TOOBIG] " + what + " too long\r\n");
    }

    /** Writes a last line (at a boundary; not at all when the server is mid-response) and closes. */
    void closeWith(final String line) {
        if (!channel.isActive()) {
            return;
        }
        if (upstream.atBoundary()) {
            channel.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    /** The client's IP address, for the log. */
    String remote() {
        return channel.remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : "?";
    }
}
