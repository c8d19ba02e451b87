package org.mailpush.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The least a TCP proxy can do: bytes in, the same bytes out, no parsing, on the same Netty epoll transport, thread
 * count and watermarks as the IMAP proxy. The benchmark's yardstick for what a second hop costs by itself, so the
 * IMAP proxy's own work can be told apart from it.
 */
final class BareTcpRelay implements AutoCloseable {

    private final EventLoopGroup group = new EpollEventLoopGroup(0, new DefaultThreadFactory("bare-relay", true));
    private final Channel listener;

    BareTcpRelay(final InetSocketAddress upstream) throws InterruptedException {
        listener = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel client) {
                        new Bootstrap()
                                .group(client.eventLoop())
                                .channel(EpollSocketChannel.class)
                                .option(ChannelOption.AUTO_READ, false)
                                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                                        new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                                .handler(new Forwarder(client))
                                .connect(upstream)
                                .addListener((ChannelFutureListener) connected -> {
                                    if (!connected.isSuccess()) {
                                        client.close();
                                        return;
                                    }
                                    client.pipeline().addLast(new Forwarder(connected.channel()));
                                    client.read();
                                    connected.channel().read();
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Writes what its channel reads to the peer; reads again once the peer can take more. */
    private static final class Forwarder extends ChannelInboundHandlerAdapter {

        private final Channel peer;

        Forwarder(final Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object message) {
            peer.write(message);
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx) {
            peer.flush();
            if (peer.isWritable()) {
                ctx.channel().read();
            }
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
            // This channel's writability gates reading from the peer.
            if (ctx.channel().isWritable()) {
                peer.read();
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            ctx.close();
        }
    }
}
