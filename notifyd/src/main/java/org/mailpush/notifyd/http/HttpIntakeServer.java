package org.mailpush.notifyd.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.notifyd.intake.IntakeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 server through which mail servers hand events to mailpush: Dovecot's Lua push driver
 * ({@code POST /v1/events}) or the xaps plugin ({@code POST /register}, {@code POST /notify}).
 *
 * <p>Each connection runs through Netty's HTTP codec, a bounded body aggregator (which answers {@code Expect:
 * 100-continue} at once: Dovecot's Lua HTTP client sends it and would otherwise wait two seconds per delivery), the
 * shared-secret check and the endpoint for the path. Connections, header sizes and bodies are bounded; idle
 * connections are closed.</p>
 *
 * <p>Lifecycle: {@link Builder#bind()} binds and serves; {@link #close()} stops listening and closes connections.
 * One I/O thread serves all connections: endpoints never block it.</p>
 */
public final class HttpIntakeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpIntakeServer.class);

    /** An endpoint and the one method it takes. */
    record Route(String method, HttpEndpoint endpoint) {
    }

    private final String name;
    private final EventLoopGroup group;
    private final Channel channel;
    private final ConnectionLimit connections;

    private HttpIntakeServer(final String name, final EventLoopGroup group, final Channel channel,
                             final ConnectionLimit connections) {
        this.name = name;
        this.group = group;
        this.channel = channel;
        this.connections = connections;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** How many connections are open now. */
    public int openConnections() {
        return connections.open();
    }

    /** How many connections were closed at once because the limit was reached. */
    public int refusedConnections() {
        return connections.refused();
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        LOG.info("{}: stopped listening on {}", name, channel.localAddress());
    }

    /** Collects the server's settings; {@link #bind()} checks them and starts it. Not thread-safe. */
    public static final class Builder {

        private String name;
        private InetSocketAddress address;
        private String secret;
        private final Map<String, Route> routes = new LinkedHashMap<>();
        // The defaults are HttpIntakeSettings's, written there once.
        private static final HttpIntakeSettings DEFAULTS = HttpIntakeSettings.defaults(null);

        private int maxBodyBytes = DEFAULTS.maxBodyBytes();
        private int maxHeaderBytes = 16 * 1024;
        private int maxConnections = DEFAULTS.maxConnections();
        private Duration idleTimeout = DEFAULTS.idleTimeout();
        private IntakeListener listener = IntakeListener.NONE;

        private Builder() {
        }

        /** The server's name in logs and counters (its config key, e.g. {@code intake} or {@code xapsd}). */
        public Builder name(final String name) {
            this.name = name;
            return this;
        }

        public Builder listen(final InetSocketAddress address) {
            this.address = address;
            return this;
        }

        /** Requires every request to carry this secret ({@code Bearer}, or the Basic password); none by default. */
        public Builder sharedSecret(final String secret) {
            this.secret = secret;
            return this;
        }

        /** Serves {@code path} with {@code endpoint}, for one method (e.g. {@code POST}). */
        public Builder endpoint(final String method, final String path, final HttpEndpoint endpoint) {
            if (routes.put(Objects.requireNonNull(path, "path"),
                    new Route(Objects.requireNonNull(method, "method"), Objects.requireNonNull(endpoint))) != null) {
                throw new IllegalArgumentException("two endpoints for " + path);
            }
            return this;
        }

        /** The largest request body accepted; larger ones get 413. */
        public Builder maxBodyBytes(final int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder maxHeaderBytes(final int maxHeaderBytes) {
            this.maxHeaderBytes = maxHeaderBytes;
            return this;
        }

        public Builder maxConnections(final int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** Connections without traffic for this long are closed. */
        public Builder idleTimeout(final Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Told about refused requests, for counting and logging. */
        public Builder listener(final IntakeListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @throws IllegalArgumentException when a setting is missing or out of range
         * @throws IOException              naming the address, when it cannot be bound
         */
        public HttpIntakeServer bind() throws IOException {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name is required");
            }
            if (address == null) {
                throw new IllegalArgumentException(name + ": a listen address is required");
            }
            if (routes.isEmpty()) {
                throw new IllegalArgumentException(name + ": at least one endpoint is required");
            }
            if (maxBodyBytes < 1 || maxHeaderBytes < 1024 || maxConnections < 1) {
                throw new IllegalArgumentException(name + ": limits must be positive (body " + maxBodyBytes
                        + ", headers " + maxHeaderBytes + ", connections " + maxConnections + ")");
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException(name + ": idle timeout must be positive");
            }
            final SharedSecret shared = secret == null ? null : new SharedSecret(secret);
            final Map<String, Route> table = Map.copyOf(routes);
            final ConnectionLimit limit = new ConnectionLimit(name, maxConnections);
            final String source = name;
            final IntakeListener counted = listener;
            final int body = maxBodyBytes;
            final int header = maxHeaderBytes;
            final long idleSeconds = Math.max(1, idleTimeout.toSeconds());
            final boolean epoll = Epoll.isAvailable();
            final DefaultThreadFactory threads = new DefaultThreadFactory(name, true);
            final EventLoopGroup group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1,
                    threads);
            final Class<? extends ServerChannel> channelType =
                    epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            final Channel channel;
            try {
                channel = new ServerBootstrap()
                        .group(group)
                        .channel(channelType)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(final SocketChannel ch) {
                                ch.pipeline()
                                        .addLast("limit", limit)
                                        .addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                                        .addLast("codec", new HttpServerCodec(4096, header, 8192))
                                        .addLast("aggregate", new BoundedAggregator(source, body, counted))
                                        .addLast("serve", new IntakeRequestHandler(source, table, shared, counted));
                            }
                        })
                        .bind(address).sync().channel();
            } catch (final Exception e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new IOException("cannot listen on " + name + ".listen " + address + ": " + e.getMessage(), e);
            }
            LOG.info("{}: listening on http://{} ({}){}", name, format(channel.localAddress()),
                    String.join(", ", table.keySet()), shared == null ? "" : ", shared secret required");
            return new HttpIntakeServer(name, group, channel, limit);
        }

        private static String format(final Object address) {
            final InetSocketAddress inet = (InetSocketAddress) address;
            final String host = inet.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
    }
}
