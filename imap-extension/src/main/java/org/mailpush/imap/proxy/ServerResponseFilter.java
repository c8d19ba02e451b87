package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.mailpush.imap.codec.CapabilityRewriter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The server's responses on their way to the client, on the upstream pipeline after the frame decoder. Frames each
 * response ({@link ServerResponseTracker}: literals only in data responses), then:
 * <ul>
 *   <li>rewrites the capability list where the grammar puts one, and only there ({@link CapabilityRewriter});</li>
 *   <li>keeps, instead of relaying, the answers to the proxy's own commands ({@link ProxyCommands}): their tagged
 *       answer and the untagged responses their handler claims, bounded to
 *       {@value ProxyCommands#MAX_RESPONSE_BYTES} bytes each;</li>
 *   <li>relays everything else as it arrives, a literal in parts, never held whole;</li>
 *   <li>tells the session each time a response is complete: a boundary, where the proxy may write its own.</li>
 * </ul>
 *
 * <p>Runs on the session's event loop. One per upstream connection.</p>
 */
final class ServerResponseFilter extends ChannelInboundHandlerAdapter {

    /** The session's side. */
    interface Listener {

        /**
         * A response is complete; the stream is at a boundary.
         *
         * @param capabilities what the server stated in it (before the rewrite), upper-cased; empty for none
         * @param relayed      whether the client got it (false for the answers to the proxy's own commands)
         */
        void responseCompleted(ServerResponseTracker.Response response, List<String> capabilities, boolean relayed);

        /** The server closed the connection. */
        void serverClosed();
    }

    private enum Disposition { RELAY, CLAIM, OWN_TAGGED }

    private final Channel client;
    private final ImapFrameDecoder decoder;
    private final ServerResponseTracker tracker;
    private final ProxyCommands commands;
    private final UnaryOperator<String> capabilityRewrite;
    private final Listener listener;

    private Disposition disposition;
    private List<String> stated = List.of();
    private String ownLine;
    private ByteArrayOutputStream claimed;

    /**
     * @param tracker           the connection's tracker, at a boundary (the connector hands over its own)
     * @param capabilityRewrite rewrites a whole response line that states capabilities, for this client
     */
    ServerResponseFilter(final Channel client, final ImapFrameDecoder decoder, final ServerResponseTracker tracker,
                         final ProxyCommands commands, final UnaryOperator<String> capabilityRewrite,
                         final Listener listener) {
        this.client = Objects.requireNonNull(client, "client");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.commands = Objects.requireNonNull(commands, "commands");
        this.capabilityRewrite = Objects.requireNonNull(capabilityRewrite, "capabilityRewrite");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Whether no response is in progress: the proxy may write its own to the client now. */
    boolean atBoundary() {
        return tracker.atBoundary();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object message) {
        if (message instanceof ImapFrame.Literal literal) {
            literal(literal);
        } else {
            line((ImapFrame.Line) message);
        }
    }

    private void line(final ImapFrame.Line line) {
        final boolean starts = tracker.atBoundary();
        final ServerResponseTracker.Next next = tracker.line(line);
        final ServerResponseTracker.Response response = tracker.current();
        if (starts) {
            begin(response, line);
        } else {
            pass(line);
        }
        if (next == ServerResponseTracker.Next.LITERAL) {
            decoder.expectLiteral(tracker.literalLength());
        } else if (next == ServerResponseTracker.Next.COMPLETE) {
            complete(response);
        }
    }

    private void begin(final ServerResponseTracker.Response response, final ImapFrame.Line line) {
        final boolean data = response.kind() == ServerResponseTracker.Kind.DATA;
        // Only status responses, CAPABILITY, and what the proxy's own command may claim are read as text: a FETCH
        // passes as bytes.
        final boolean read = line.startsLine() && (!data || commands.busy() || "CAPABILITY".equals(response.status()));
        final String text = read ? line.content().toString(StandardCharsets.UTF_8) : "";
        final boolean statesCapabilities = read && line.whole()
                && response.kind() != ServerResponseTracker.Kind.CONTINUATION;
        stated = statesCapabilities ? CapabilityRewriter.stated(text) : List.of();
        if (response.kind() == ServerResponseTracker.Kind.TAGGED_STATUS && commands.owns(response.tag())) {
            disposition = Disposition.OWN_TAGGED;
            ownLine = text;
            line.release();
            return;
        }
        if (commands.busy() && response.kind() != ServerResponseTracker.Kind.CONTINUATION
                && response.kind() != ServerResponseTracker.Kind.TAGGED_STATUS
                && commands.active().claims(response, text)) {
            disposition = Disposition.CLAIM;
            claimed = new ByteArrayOutputStream();
            keep(line);
            return;
        }
        disposition = Disposition.RELAY;
        if (!stated.isEmpty()) {
            // ISO-8859-1 maps every byte to one char and back: only the capability list changes, not a byte of the
            // text around it (a server's localised, non-UTF-8 greeting stays as it was).
            final String bytes = line.content().toString(StandardCharsets.ISO_8859_1);
            final String rewritten = capabilityRewrite.apply(bytes);
            if (!rewritten.equals(bytes)) {
                line.release();
                client.write(Unpooled.copiedBuffer(rewritten, StandardCharsets.ISO_8859_1));
                return;
            }
        }
        client.write(line.content());
    }

    private void pass(final ImapFrame frame) {
        switch (disposition) {
            case RELAY -> client.write(frame.content());
            case CLAIM -> keep(frame);
            default -> frame.release();
        }
    }

    private void keep(final ImapFrame frame) {
        if (claimed != null && claimed.size() + frame.content().readableBytes() <= ProxyCommands.MAX_RESPONSE_BYTES) {
            claimed.writeBytes(ByteBufUtil.getBytes(frame.content()));
        } else {
            claimed = null; // over the bound: the handler is told so, the rest is dropped
        }
        frame.release();
    }

    private void literal(final ImapFrame.Literal literal) {
        tracker.literalRead(literal.last());
        pass(literal);
    }

    private void complete(final ServerResponseTracker.Response response) {
        final Disposition done = disposition;
        disposition = null;
        if (done == Disposition.CLAIM) {
            final byte[] bytes = claimed == null ? null : claimed.toByteArray();
            claimed = null;
            commands.active().untagged(bytes);
        } else if (done == Disposition.OWN_TAGGED) {
            final String line = ownLine;
            ownLine = null;
            commands.finish().tagged(response, line, stated);
        }
        listener.responseCompleted(response, stated, done == Disposition.RELAY);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        client.flush();
        // What the session sent the server on a server event (a login that waited, the proxy's next command).
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        listener.serverClosed();
        ctx.fireChannelInactive();
    }
}
