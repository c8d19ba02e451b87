package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

import static org.mailpush.imap.proxy.ImapProxySession.LOG;

/**
 * A session's connection to the upstream server: dialled ({@link UpstreamDialer}) and built
 * ({@link UpstreamPipeline}) when the client may be served, readied by its {@link UpstreamConnector}, then read
 * through the session's {@link ServerResponseFilter}, which takes the connector's place. Until then nothing is written
 * to it: the client is not read before it is ready ({@link ClientReadGate.Reason#UPSTREAM}).
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class UpstreamLeg {

    private final ImapProxySettings settings;
    private final UpstreamDialer dialer;
    private final ServerResponseTracker tracker = new ServerResponseTracker();

    private UpstreamPipeline pipeline;
    private Channel channel;
    private ServerResponseFilter responses;

    UpstreamLeg(final ImapProxySettings settings, final UpstreamDialer dialer) {
        this.settings = settings;
        this.dialer = dialer;
    }

    /**
     * Dials the server for this client.
     *
     * @param writabilityChanged run when the upstream channel's writability changes
     * @param unreachable        run when the server cannot be reached (logged here)
     */
    void connect(final Channel client, final UpstreamConnector.Listener listener, final Runnable writabilityChanged,
                 final Runnable unreachable) {
        pipeline = new UpstreamPipeline(settings, (InetSocketAddress) client.remoteAddress(),
                (InetSocketAddress) client.localAddress(), tracker, listener, new Events(writabilityChanged));
        dialer.dial(client, pipeline).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                LOG.warn("IMAP proxy cannot reach {}:{}: {}", settings.upstreamHost(), settings.upstreamPort(),
                        connected.cause().getMessage());
                unreachable.run();
            }
        });
        channel = pipeline.channel();
    }

    /** Whether the server was dialled yet. */
    boolean dialled() {
        return pipeline != null;
    }

    /**
     * The connector is done: from now on the server's responses go through a {@link ServerResponseFilter}.
     *
     * @param capabilityRewrite rewrites a whole response line that states capabilities, for this client
     */
    void ready(final Channel client, final ProxyCommands own, final UnaryOperator<String> capabilityRewrite,
               final ServerResponseFilter.Listener listener) {
        channel = pipeline.channel();
        responses = new ServerResponseFilter(client, pipeline.decoder(), tracker, own, capabilityRewrite, listener);
        channel.pipeline().replace("connector", "responses", responses);
    }

    /** The upstream channel, {@code null} before it is dialled. */
    Channel channel() {
        return channel;
    }

    /** Whether the server's stream is between responses (the proxy may write its own to the client). */
    boolean atBoundary() {
        return responses == null || responses.atBoundary();
    }

    /** Whether the upstream channel takes more bytes now. */
    boolean writable() {
        return channel != null && channel.isWritable();
    }

    void write(final ByteBuf bytes) {
        channel.write(bytes);
    }

    void writeAndFlush(final ByteBuf bytes) {
        channel.writeAndFlush(bytes);
    }

    void flush() {
        if (channel != null) {
            channel.flush();
        }
    }

    /** Reads the server, or stops reading it (a client that does not take what it is sent). */
    void autoRead(final boolean read) {
        if (channel != null) {
            channel.config().setAutoRead(read);
        }
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    /** The end of the upstream pipeline: its flow control, idleness and failures. */
    private static final class Events extends ChannelInboundHandlerAdapter {

        private final Runnable writabilityChanged;

        Events(final Runnable writabilityChanged) {
            this.writabilityChanged = writabilityChanged;
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
            writabilityChanged.run();
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.debug("IMAP proxy: upstream connection failed: {}", cause.toString());
            ctx.close();
        }
    }
}
