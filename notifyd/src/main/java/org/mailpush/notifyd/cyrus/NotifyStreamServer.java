package org.mailpush.notifyd.cyrus;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.queue.DurableQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Listens on the Cyrus notify socket in stream mode ({@code notifysocket: dlist:/path} in imapd.conf): a Unix
 * stream socket on which each Cyrus process that has an event connects, writes one dlist notification and waits
 * for an answer. Unlike the datagram mode this one can acknowledge: an event is answered {@code OK} only once it is
 * synced to a {@link DurableQueue}, and it stays there until the sink reports it done (routed and its pushes
 * answered). At start the events left in the queue by a crash are replayed first; so every event Cyrus saw
 * acknowledged leads to its pushes, at least once.
 *
 * <p>Lifecycle: {@link Builder#bind()} opens the queue, replays it, creates the socket and accepts;
 * {@link #close()} stops accepting, waits for queue writes in progress, persists the commit point and removes the
 * socket file.</p>
 */
public final class NotifyStreamServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotifyStreamServer.class);
    static final java.time.Duration PERSIST_EVERY = java.time.Duration.ofMillis(200);

    private final Path path;
    private final Channel channel;
    private final EventLoopGroup group;
    private final ExecutorService writer;
    private final ScheduledExecutorService persister;
    private final DurableQueue queue;

    private NotifyStreamServer(final Path path, final Channel channel, final EventLoopGroup group,
                                 final ExecutorService writer, final ScheduledExecutorService persister,
                                 final DurableQueue queue) {
        this.path = path;
        this.channel = channel;
        this.group = group;
        this.writer = writer;
        this.persister = persister;
        this.queue = queue;
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

    /** Events queued and not yet done. */
    public long pending() {
        return queue.pending();
    }

    /** Stops taking notifications: the socket closes (its file is removed), queue writes in progress finish. */
    public synchronized void stopAccepting() {
        if (!channel.isOpen() && group.isShutdown()) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (final IOException e) {
            LOG.warn("Could not remove the notify socket {}: {}", path, e.getMessage());
        }
    }

    /**
     * Persists what is done and closes the queue. A service calls this last, after the router and the pusher
     * have finished what they could, so that events pushed during shutdown are not replayed.
     */
    public synchronized void closeQueue() {
        persister.shutdownNow();
        queue.close();
    }

    @Override
    public void close() {
        stopAccepting();
        closeQueue();
    }

    /** Builds and binds a {@link NotifyStreamServer}; validates everything in {@link #bind()}. */
    public static final class Builder {
        private Path path;
        private Path queueDirectory;
        private long queueMaxBytes = CyrusSettings.DEFAULT_QUEUE_MAX_BYTES;
        private Set<PosixFilePermission> mode = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE);
        private String group;
        private String method = CyrusSettings.DEFAULT_EVENT_NOTIFIER;
        private int maxBytes = NotifyDatagramParser.DEFAULT_MAX_BYTES;
        private int maxConnections = 256;
        private IntakeListener listener = IntakeListener.NONE;
        private DurableEventSink sink;

        private Builder() {
        }

        /**
         * Everything a {@code cyrus:} section says of the stream: path, queue, mode, group, method and
         * size bound; a setter called after this one overrides its value.
         */
        public Builder settings(final CyrusSettings cyrus) {
            return path(cyrus.notifySocket().path())
                    .queue(cyrus.queueDirectory(), cyrus.queueMaxBytes())
                    .mode(cyrus.socketPermissions())
                    .group(cyrus.socketGroup())
                    .method(cyrus.eventNotifier())
                    .maxBytes(cyrus.maxDatagramBytes());
        }

        public Builder path(final Path socketPath) {
            this.path = socketPath;
            return this;
        }

        /** Where events wait, on disk, until they are done; created owner-only when missing. */
        public Builder queue(final Path directory, final long maxBytes) {
            this.queueDirectory = directory;
            this.queueMaxBytes = maxBytes;
            return this;
        }

        public Builder mode(final Set<PosixFilePermission> permissions) {
            this.mode = Set.copyOf(permissions);
            return this;
        }

        public Builder group(final String groupName) {
            this.group = groupName;
            return this;
        }

        public Builder method(final String eventNotifier) {
            this.method = eventNotifier;
            return this;
        }

        /** The largest notification accepted (the same limit as a datagram's). */
        public Builder maxBytes(final int bytes) {
            this.maxBytes = bytes;
            return this;
        }

        /** Connections at once; Cyrus opens one per event and closes it after the answer. */
        public Builder maxConnections(final int connections) {
            this.maxConnections = connections;
            return this;
        }

        public Builder listener(final IntakeListener intakeListener) {
            this.listener = intakeListener;
            return this;
        }

        public Builder sink(final DurableEventSink eventSink) {
            this.sink = eventSink;
            return this;
        }

        public NotifyStreamServer bind() throws IOException {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(queueDirectory, "queue directory");
            Objects.requireNonNull(sink, "sink");
            if (!Epoll.isAvailable()) {
                throw new IOException("cannot listen on " + path + ": Unix sockets need Linux epoll ("
                        + Epoll.unavailabilityCause() + ")");
            }
            SocketFile.requireFolder(path);
            final GroupPrincipal groupPrincipal = SocketFile.lookupGroup(path, group);
            final DurableQueue queue;
            try {
                queue = DurableQueue.open(queueDirectory, queueMaxBytes);
            } catch (final IOException e) {
                throw new IOException("cannot open the event queue " + queueDirectory + ": " + e.getMessage(), e);
            }
            final NotifyDatagramParser datagrams = new NotifyDatagramParser(DurableQueue.MAX_RECORD_BYTES);
            final CyrusEventParser events = new CyrusEventParser(method);
            replay(queue, datagrams, events);
            // One writer: appends are synced one after another; its queue is bounded by the connection limit.
            final ExecutorService writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(maxConnections), new DefaultThreadFactory("cyrus-queue-writer", true));
            final ScheduledExecutorService persister = Executors.newSingleThreadScheduledExecutor(
                    new DefaultThreadFactory("cyrus-queue-commit", true));
            persister.scheduleWithFixedDelay(() -> {
                try {
                    queue.persist();
                } catch (final IOException | RuntimeException e) {
                    LOG.warn("Could not persist the event queue's commit point: {}", e.toString());
                }
            }, PERSIST_EVERY.toMillis(), PERSIST_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            final EpollEventLoopGroup loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("cyrus-notify", true));
            final DlistNotifyParser notifications = new DlistNotifyParser(maxBytes);
            final int limit = maxConnections;
            final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
            try {
                SocketFile.removeStale(path, socket -> {
                    final ChannelFuture probe = new Bootstrap().group(loop).channel(EpollDomainSocketChannel.class)
                            .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                            .connect(new DomainSocketAddress(socket.toFile())).awaitUninterruptibly();
                    probe.channel().close().awaitUninterruptibly();
                    return probe.isSuccess();
                });
                final ChannelFuture bound = new ServerBootstrap()
                        .group(loop)
                        .channel(EpollServerDomainSocketChannel.class)
                        .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                            @Override
                            protected void initChannel(final EpollDomainSocketChannel ch) {
                                if (open.incrementAndGet() > limit) {
                                    open.decrementAndGet();
                                    ch.close();
                                    return;
                                }
                                ch.closeFuture().addListener(f -> open.decrementAndGet());
                                ch.pipeline()
                                        .addLast(new IdleStateHandler(0, 0, 30, TimeUnit.SECONDS))
                                        .addLast(new DlistFrameDecoder(maxBytes))
                                        .addLast(new NotifyStreamHandler(notifications, events, queue, writer,
                                                listener, sink));
                            }
                        })
                        .bind(new DomainSocketAddress(path.toFile())).awaitUninterruptibly();
                final Channel channel = SocketFile.claim(bound, path, mode, groupPrincipal);
                LOG.info("Listening for Cyrus events on dlist:{} (stream mode; events queued in {} before they are"
                        + " acknowledged; mode {}, group {}, method \"{}\")", path, queueDirectory,
                        java.nio.file.attribute.PosixFilePermissions.toString(mode), group == null ? "unchanged"
                                : group,
                        method);
                return new NotifyStreamServer(path, channel, loop, writer, persister, queue);
            } catch (final IOException | RuntimeException e) {
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                writer.shutdownNow();
                persister.shutdownNow();
                queue.close();
                throw e;
            }
        }

        /** The events a crash left in the queue go to the sink before anything new is taken. */
        private void replay(final DurableQueue queue, final NotifyDatagramParser datagrams,
                            final CyrusEventParser events) {
            int replayed = 0;
            for (final DurableQueue.Entry entry : queue.recovered()) {
                try {
                    final CyrusEventParser.Parsed parsed = events.parse(datagrams.parse(entry.bytes()),
                            System.nanoTime());
                    if (parsed.event().isPresent()) {
                        final IntakeEvent event = parsed.event().get();
                        listener.eventReceived(event);
                        sink.accept(event, () -> queue.done(entry.sequence()));
                        replayed++;
                    } else {
                        queue.done(entry.sequence());
                    }
                } catch (final BadInputException e) {
                    // Written by this code after the same parsing: only a changed configuration gets here.
                    LOG.warn("Dropping queued event {} that no longer parses: {}", entry.sequence(), e.getMessage());
                    queue.done(entry.sequence());
                }
            }
            if (replayed > 0) {
                LOG.info("Replayed {} event(s) acknowledged to Cyrus before the last stop", replayed);
            }
        }
    }
}
