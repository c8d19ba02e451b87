package org.mailpush.notifyd.cyrus;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The sending side of the notify socket, as Cyrus's {@code notify_at} does it: one datagram per event. Used by
 * {@code mailpush demo} and by the tests; not thread-safe, close it when done.
 */
public final class NotifyDatagramSender implements AutoCloseable {

    private final EpollEventLoopGroup group;
    private final Channel channel;
    private final DomainSocketAddress target;

    /** Connects to the listening socket; fails when nobody listens there. */
    public NotifyDatagramSender(final Path socket) throws IOException {
        this.target = new DomainSocketAddress(socket.toFile());
        this.group = new EpollEventLoopGroup(1, new DefaultThreadFactory("notify-sender", true));
        final ChannelFuture bound = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 * 1024 * 1024)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot connect to " + socket + ": " + bound.cause().getMessage(), bound.cause());
        }
        this.channel = bound.channel();
    }

    /** The datagram Cyrus sends for a mailstore event: method, class EVENT, no options, the JSON. */
    public static byte[] eventDatagram(final String method, final String json) {
        return (method + "\0EVENT\0\0\0\0" + "0\0" + json + "\0").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends one datagram and waits until the kernel took it.
     *
     * @throws IOException when the server went away, or the datagram is larger than the socket allows
     */
    public void send(final byte[] datagram) throws IOException {
        final ChannelFuture sent = channel.writeAndFlush(Unpooled.wrappedBuffer(datagram)).awaitUninterruptibly();
        if (!sent.isSuccess()) {
            throw new IOException("cannot send to " + target.path() + ": " + sent.cause().getMessage(), sent.cause());
        }
    }

    private ChannelFuture lastWrite;
    private int unflushed;

    /**
     * Sends one datagram without waiting for the kernel to take it (a load generator's pace): writes go out in
     * batches, and this waits only when the socket's buffer is full. {@link #flush()} sends what is left and waits.
     *
     * @param now whether to flush this one at once (a paced sender: the datagram leaves now) or batch it
     */
    public void sendWithoutWaiting(final byte[] datagram, final boolean now) throws IOException {
        if (!channel.isWritable() && lastWrite != null) {
            channel.flush();
            unflushed = 0;
            awaitLast();
        }
        lastWrite = channel.write(Unpooled.wrappedBuffer(datagram));
        if (now || ++unflushed >= 64) {
            channel.flush();
            unflushed = 0;
        }
    }

    /** Sends what {@link #sendWithoutWaiting} batched, and waits until the kernel took it all. */
    public void flush() throws IOException {
        channel.flush();
        unflushed = 0;
        if (lastWrite != null) {
            awaitLast();
        }
    }

    private void awaitLast() throws IOException {
        lastWrite.awaitUninterruptibly();
        if (!lastWrite.isSuccess()) {
            throw new IOException("cannot send to " + target.path() + ": " + lastWrite.cause().getMessage(),
                    lastWrite.cause());
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
