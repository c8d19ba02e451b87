package org.mailpush.notifyd.cyrus;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.intake.IntakeBacklog;
import org.mailpush.notifyd.intake.IntakeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Listens on the Cyrus notify socket: a Unix datagram socket that mailpush creates at the path imapd.conf names in
 * {@code notifysocket}, with the mode and group that let Cyrus's processes write to it. Each datagram is one event;
 * they are parsed on a single event-loop thread and handed to a sink that must not block. That matters: for a
 * Unix datagram socket the kernel queues only {@code net.unix.max_dgram_qlen} datagrams (512 by default) for a slow
 * reader and then blocks the sender, which is Cyrus's imapd or lmtpd in the middle of delivering mail.
 *
 * <p>Lifecycle: {@link Builder#bind()} creates the socket (refusing when another process is listening there, such
 * as Cyrus's own notifyd) and starts reading; {@link #close()} stops reading and removes the socket file.</p>
 */
public final class NotifySocketServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotifySocketServer.class);

    private final Path path;
    private final Channel channel;
    private final EventLoopGroup group;

    private NotifySocketServer(final Path path, final Channel channel, final EventLoopGroup group) {
        this.path = path;
        this.channel = channel;
        this.group = group;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path path() {
        return path;
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(path);
        } catch (final IOException e) {
            LOG.warn("Could not remove the notify socket {}: {}", path, e.getMessage());
        }
    }

    /** Builds and binds a {@link NotifySocketServer}; validates everything in {@link #bind()}. */
    public static final class Builder {
        private Path path;
        private Set<PosixFilePermission> mode = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE);
        private String group;
        private String method = CyrusSettings.DEFAULT_EVENT_NOTIFIER;
        private int maxDatagramBytes = NotifyDatagramParser.DEFAULT_MAX_BYTES;
        private IntakeListener listener = IntakeListener.NONE;
        private Consumer<IntakeEvent> sink;
        private IntakeBacklog backlog = IntakeBacklog.NONE;

        private Builder() {
        }

        /**
         * Everything a {@code cyrus:} section says of the socket: path, mode, group, method and size
         * bound; a setter called after this one overrides its value.
         */
        public Builder settings(final CyrusSettings cyrus) {
            return path(cyrus.notifySocket().path())
                    .mode(cyrus.socketPermissions())
                    .group(cyrus.socketGroup())
                    .method(cyrus.eventNotifier())
                    .maxDatagramBytes(cyrus.maxDatagramBytes());
        }

        public Builder path(final Path socketPath) {
            this.path = socketPath;
            return this;
        }

        /** Permissions of the socket file; the writer needs write permission. Default {@code 0660}. */
        public Builder mode(final Set<PosixFilePermission> permissions) {
            this.mode = Set.copyOf(permissions);
            return this;
        }

        /** Group of the socket file (e.g. {@code mail}, Cyrus's group on Debian); default: left as created. */
        public Builder group(final String groupName) {
            this.group = groupName;
            return this;
        }

        /** The {@code event_notifier} value of imapd.conf. Default {@code pusher}. */
        public Builder method(final String eventNotifier) {
            this.method = eventNotifier;
            return this;
        }

        public Builder maxDatagramBytes(final int bytes) {
            this.maxDatagramBytes = bytes;
            return this;
        }

        public Builder listener(final IntakeListener intakeListener) {
            this.listener = intakeListener;
            return this;
        }

        /** Where parsed events go; called on the socket thread, must not block. */
        public Builder sink(final Consumer<IntakeEvent> eventSink) {
            this.sink = eventSink;
            return this;
        }

        /**
         * The backlog behind {@link #sink}: while it is nearly full the socket is not read (for at most a second at a
         * time, see {@link BacklogReadPause}), so that a burst waits in Cyrus instead of being shed.
         */
        public Builder backlog(final IntakeBacklog routingBacklog) {
            this.backlog = Objects.requireNonNull(routingBacklog, "backlog");
            return this;
        }

        /**
         * Creates the socket, sets its mode and group, and starts reading.
         *
         * @throws IOException naming the path and the reason when the socket cannot be created
         */
        public NotifySocketServer bind() throws IOException {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(sink, "sink");
            Objects.requireNonNull(method, "method");
            if (!Epoll.isAvailable()) {
                throw new IOException("cannot listen on " + path + ": Unix datagram sockets need Linux epoll ("
                        + Epoll.unavailabilityCause() + ")");
            }
            SocketFile.requireFolder(path);
            final GroupPrincipal groupPrincipal = SocketFile.lookupGroup(path, group);
            final NotifyDatagramParser datagrams = new NotifyDatagramParser(maxDatagramBytes);
            final CyrusEventParser events = new CyrusEventParser(method);
            final EpollEventLoopGroup loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("cyrus-notify", true));
            try {
                SocketFile.removeStale(path, socket -> {
                    final ChannelFuture probe = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                            .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                            .connect(new DomainSocketAddress(socket.toFile())).awaitUninterruptibly();
                    probe.channel().close().awaitUninterruptibly();
                    return probe.isSuccess();
                });
                final Bootstrap bootstrap = new Bootstrap()
                        .group(loop)
                        .channel(EpollDomainDatagramChannel.class)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagramBytes + 1))
                        .handler(new ChannelInitializer<EpollDomainDatagramChannel>() {
                            @Override
                            protected void initChannel(final EpollDomainDatagramChannel ch) {
                                ch.pipeline().addLast(new BacklogReadPause(backlog),
                                        new NotifyDatagramHandler(datagrams, events, listener, sink));
                            }
                        });
                final ChannelFuture bound = bootstrap.bind(new DomainSocketAddress(path.toFile()))
                        .awaitUninterruptibly();
                final Channel channel = SocketFile.claim(bound, path, mode, groupPrincipal);
                LOG.info("Listening for Cyrus events on {} (mode {}, group {}, method \"{}\")", path,
                        java.nio.file.attribute.PosixFilePermissions.toString(mode), group == null ? "unchanged"
                                : group,
                        method);
                return new NotifySocketServer(path, channel, loop);
            } catch (final IOException | RuntimeException e) {
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }
    }
}
