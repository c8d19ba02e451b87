package org.mailpush.notifyd.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes connections beyond a maximum as soon as they open, so a client that opens sockets in a loop cannot exhaust
 * file descriptors. Logs the first refusal; counts them all. Shared by every connection of one server.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);

    private final String name;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicBoolean logged = new AtomicBoolean();

    ConnectionLimit(final String name, final int max) {
        this.name = name;
        this.max = max;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            refused.incrementAndGet();
            if (logged.compareAndSet(false, true)) {
                LOG.warn("{}: {} connections are open, the most allowed; closing new ones (counted, logged once)",
                        name, max);
            }
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    int open() {
        return open.get();
    }

    int refused() {
        return refused.get();
    }
}
