package org.mailpush.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listens where Cyrus's {@code notifysocket} points (datagram mode) and keeps every datagram as received, for tests
 * that look at what a real Cyrus sends and for capturing fixtures. The socket is {@code 0666} so that Cyrus, running
 * as {@code cyrus}, can write to it; its folder must be traversable ({@link Folders#makeTraversable}).
 *
 * <p>{@link #untilMark} cuts the stream into the datagrams of one step without sleeping: it sends a marker datagram
 * of its own into the socket and returns everything that arrived before it. Cyrus sends its events before it answers
 * the request that caused them (one {@code sendto} each, into the same kernel queue), so once the request's answer
 * is in, the marker arrives after all of them.</p>
 *
 * <p>Threading: datagrams arrive on one Netty event-loop thread; the methods may be called from any thread, but one
 * test thread at a time is what they are meant for. Lifecycle: {@link #bind} creates the socket (replacing a stale
 * file), {@link #close} closes it and deletes the file.</p>
 */
public final class NotifyDatagramCapture implements AutoCloseable {

    /** The largest datagram kept whole; Cyrus's own limit is well below (notify_at uses 8 KiB messages). */
    private static final int MAX_DATAGRAM = 1 << 20;
    private static final String MARK = "mailpush-capture-mark\0";

    private final Path path;
    private final EpollEventLoopGroup loop;
    private final Channel server;
    private final Channel marker;
    /** Filled by the event loop, emptied by {@link #untilMark}. */
    private final BlockingQueue<byte[]> received;
    private final AtomicInteger marks = new AtomicInteger();

    private NotifyDatagramCapture(final Path path, final EpollEventLoopGroup loop, final Channel server,
                                  final Channel marker, final BlockingQueue<byte[]> received) {
        this.path = path;
        this.loop = loop;
        this.server = server;
        this.marker = marker;
        this.received = received;
    }

    /** Binds a datagram socket at {@code path}. */
    public static NotifyDatagramCapture bind(final Path path) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("Netty's epoll transport is unavailable here (" + Epoll.unavailabilityCause()
                    + "): AF_UNIX datagram sockets need it");
        }
        Files.deleteIfExists(path);
        final EpollEventLoopGroup loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("notify-capture", true));
        final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        try {
            final ChannelFuture bound = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(final ChannelHandlerContext ctx, final DomainDatagramPacket p) {
                            queue.add(ByteBufUtil.getBytes(p.content()));
                        }
                    })
                    .bind(new DomainSocketAddress(path.toFile())).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IOException("cannot bind " + path + ": " + bound.cause().getMessage(), bound.cause());
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
            final ChannelFuture connected = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new DomainSocketAddress(path.toFile())).awaitUninterruptibly();
            if (!connected.isSuccess()) {
                bound.channel().close().awaitUninterruptibly();
                throw new IOException("cannot connect the marker to " + path + ": " + connected.cause().getMessage(),
                        connected.cause());
            }
            return new NotifyDatagramCapture(path, loop, bound.channel(), connected.channel(), queue);
        } catch (final IOException | RuntimeException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /**
     * Every datagram received since the last call (or since binding) up to the marker this sends now, in order.
     *
     * @throws IOException when the marker does not come back within {@code timeout} (the socket is stuck)
     */
    public List<byte[]> untilMark(final Duration timeout) throws IOException, InterruptedException {
        final byte[] mark = (MARK + marks.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
        final ChannelFuture sent = marker.writeAndFlush(Unpooled.wrappedBuffer(mark)).awaitUninterruptibly();
        if (!sent.isSuccess()) {
            throw new IOException("cannot send the marker to " + path + ": " + sent.cause().getMessage(),
                    sent.cause());
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        final List<byte[]> step = new ArrayList<>();
        while (true) {
            final byte[] next = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new IOException("the marker did not come back through " + path + " within " + timeout
                        + "; received meanwhile: " + step.stream().map(NotifyDatagramCapture::json).toList());
            }
            if (Arrays.equals(next, mark)) {
                return step;
            }
            step.add(next);
        }
    }

    /** The JSON of a Cyrus event datagram ({@code method\0EVENT\0\0\0\0 0\0 json\0}): its seventh field. */
    public static String json(final byte[] datagram) {
        final String text = new String(datagram, StandardCharsets.UTF_8);
        final String[] fields = text.split("\0", -1);
        if (fields.length < 7 || !"EVENT".equals(fields[1])) {
            throw new IllegalArgumentException("not a Cyrus event datagram: " + text.replace('\0', '|'));
        }
        return fields[6];
    }

    /** The {@code "event"} name in a datagram's JSON, read without a JSON library (Cyrus writes it first). */
    public static String eventName(final byte[] datagram) {
        final String json = json(datagram);
        final String prefix = "{\"event\":\"";
        if (!json.startsWith(prefix) || json.indexOf('"', prefix.length()) < 0) {
            throw new IllegalArgumentException("no leading event name in " + json);
        }
        return json.substring(prefix.length(), json.indexOf('"', prefix.length()));
    }

    @Override
    public void close() throws IOException {
        marker.close().awaitUninterruptibly();
        server.close().awaitUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        Files.deleteIfExists(path);
    }
}
