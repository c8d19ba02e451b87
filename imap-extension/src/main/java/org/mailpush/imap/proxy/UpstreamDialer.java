package org.mailpush.imap.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;

/**
 * Opens a session's connection to the upstream server, on the client channel's event loop so that both channels of
 * a session share one thread. The proxy server dials TCP; tests hand the session an in-memory channel instead.
 */
interface UpstreamDialer {

    /**
     * @param client      the client's channel, whose event loop the upstream channel must use
     * @param initializer sets up the upstream channel's pipeline
     */
    ChannelFuture dial(Channel client, ChannelHandler initializer);

    /** TCP to the configured upstream host and port. */
    static UpstreamDialer tcp(final ImapProxySettings settings) {
        return (client, initializer) -> new Bootstrap()
                .group(client.eventLoop())
                .channel(ImapProxyServer.upstreamChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.AUTO_READ, true)
                // Reads of up to 256 KiB: a large FETCH crosses the proxy in a few reads, not dozens.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 256 * 1024))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(initializer)
                .connect(settings.upstreamHost(), settings.upstreamPort());
    }
}
