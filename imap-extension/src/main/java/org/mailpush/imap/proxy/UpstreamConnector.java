package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import org.mailpush.imap.codec.CapabilityRewriter;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Readies a new upstream connection before the client sees anything of it: reads the server's greeting, secures the
 * connection with STARTTLS when configured, and tells the server who the client is with an {@code ID} command when
 * configured ({@link ImapProxySettings.ClientAddress#ID}). Then hands the greeting to the session, which puts a
 * {@link ServerResponseFilter} in this handler's place.
 *
 * <p>STARTTLS is done with the same care as on the client side (the CVE-2011-0411 class): bytes the server sent after
 * its {@code OK} in the same read would be plaintext injected ahead of TLS, and end the connection; the capabilities
 * of a greeting read before TLS are not trusted after it.</p>
 *
 * <p>Runs on the session's event loop. One per upstream connection.</p>
 */
final class UpstreamConnector extends ChannelInboundHandlerAdapter {

    static final String STARTTLS_TAG = "mailpush-tls";
    static final String ID_TAG = "mailpush-id";

    /** The session's side. */
    interface Listener {

        /**
         * The connection is ready for the client.
         *
         * @param greeting     the server's greeting line, as sent
         * @param capabilities what the greeting stated that can be trusted, upper-cased (none after STARTTLS)
         */
        void upstreamReady(String greeting, List<String> capabilities);

        /** The connection cannot be used; {@code why} is for the log. */
        void upstreamFailed(String why);
    }

    private enum Step { GREETING, STARTTLS, HANDSHAKE, ID, READY, FAILED }

    private final ImapFrameDecoder decoder;
    private final ServerResponseTracker tracker;
    private final Supplier<SslHandler> startTls;
    private final String idCommand;
    private final Listener listener;

    private Step step = Step.GREETING;
    private String greeting;
    private List<String> capabilities = List.of();
    private String firstLine;

    /**
     * @param startTls  makes the TLS handler for STARTTLS, {@code null} when the connection is not to be upgraded
     * @param idCommand the {@code ID ...} command (without tag) to send before the client's first byte, {@code null}
     *                  for none
     */
    UpstreamConnector(final ImapFrameDecoder decoder, final ServerResponseTracker tracker,
                      final Supplier<SslHandler> startTls, final String idCommand, final Listener listener) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.startTls = startTls;
        this.idCommand = idCommand;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object message) {
        final ImapFrame frame = (ImapFrame) message;
        try {
            if (step == Step.FAILED) {
                return; // told once; the connection is closing
            }
            if (step == Step.READY || step == Step.HANDSHAKE) {
                fail(ctx, "the server sent data while the proxy did not expect any (" + step + ")");
                return;
            }
            if (frame instanceof ImapFrame.Literal literal) {
                tracker.literalRead(literal.last());
                return;
            }
            final ImapFrame.Line line = (ImapFrame.Line) frame;
            final boolean starts = tracker.atBoundary();
            final ServerResponseTracker.Next next = tracker.line(line);
            if (starts) {
                firstLine = line.startsLine() ? line.content().toString(StandardCharsets.ISO_8859_1) : "";
            }
            if (next == ServerResponseTracker.Next.LITERAL) {
                decoder.expectLiteral(tracker.literalLength());
            } else if (next == ServerResponseTracker.Next.COMPLETE) {
                response(ctx, tracker.current(), firstLine);
            }
        } finally {
            frame.release();
        }
    }

    private void response(final ChannelHandlerContext ctx, final ServerResponseTracker.Response response,
                          final String line) {
        switch (step) {
            case GREETING -> greeting(ctx, response, line);
            case STARTTLS -> {
                if (response.kind() != ServerResponseTracker.Kind.TAGGED_STATUS) {
                    return; // e.g. a CAPABILITY the server volunteers; stale once TLS is up anyway
                }
                if (!STARTTLS_TAG.equals(response.tag()) || !response.ok()) {
                    fail(ctx, "the server refused STARTTLS: " + line.strip());
                    return;
                }
                if (decoder.hasBufferedBytes()) {
                    fail(ctx, "the server sent bytes after its STARTTLS OK, before TLS: refused as injected");
                    return;
                }
                final SslHandler tls = startTls.get();
                ctx.pipeline().addFirst("tls", tls);
                step = Step.HANDSHAKE;
                tls.handshakeFuture().addListener(done -> {
                    if (done.isSuccess()) {
                        afterTls(ctx);
                    } else {
                        fail(ctx, "TLS with the server failed: " + done.cause().getMessage());
                    }
                });
            }
            case ID -> {
                if (response.kind() == ServerResponseTracker.Kind.TAGGED_STATUS && ID_TAG.equals(response.tag())) {
                    ready();
                }
                // The server's "* ID (...)" answer is not the client's business.
            }
            default -> {
            }
        }
    }

    private void greeting(final ChannelHandlerContext ctx, final ServerResponseTracker.Response response,
                          final String line) {
        if (response.kind() != ServerResponseTracker.Kind.UNTAGGED_STATUS) {
            fail(ctx, "the server did not greet as an IMAP server: " + abbreviate(line));
            return;
        }
        if ("BYE".equals(response.status())) {
            fail(ctx, "the server said BYE: " + abbreviate(line));
            return;
        }
        greeting = line;
        capabilities = CapabilityRewriter.stated(line);
        if (startTls != null) {
            if ("PREAUTH".equals(response.status())) {
                fail(ctx, "the server pre-authenticated the connection before STARTTLS");
                return;
            }
            capabilities = List.of();
            step = Step.STARTTLS;
            ctx.writeAndFlush(Unpooled.copiedBuffer(STARTTLS_TAG + " STARTTLS\r\n", StandardCharsets.US_ASCII));
            return;
        }
        afterTls(ctx);
    }

    private void afterTls(final ChannelHandlerContext ctx) {
        if (idCommand != null) {
            step = Step.ID;
            ctx.writeAndFlush(Unpooled.copiedBuffer(ID_TAG + " " + idCommand + "\r\n", StandardCharsets.UTF_8));
            return;
        }
        ready();
    }

    private void ready() {
        step = Step.READY;
        listener.upstreamReady(greeting, capabilities);
    }

    private void fail(final ChannelHandlerContext ctx, final String why) {
        if (step == Step.FAILED) {
            return;
        }
        step = Step.FAILED;
        listener.upstreamFailed(why);
        ctx.close();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        if (step != Step.READY && step != Step.FAILED) {
            step = Step.FAILED;
            listener.upstreamFailed("the server closed the connection before it was ready");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (step != Step.READY && step != Step.FAILED) {
            fail(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private static String abbreviate(final String line) {
        final String stripped = line.strip();
        return stripped.length() > 120 ? stripped.substring(0, 120) + "…" : stripped;
    }
}
