package org.mailpush.imap.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * An IMAP proxy in front of any IMAP server that adds Apple's XAPPLEPUSHSERVICE (see {@link ImapProxySession} for
 * what it changes on the way). It listens with implicit TLS (993-style) and/or plain with STARTTLS (143-style).
 *
 * <p>Each connection is admitted first ({@link ConnectionAdmission}: a total and a per-address share of
 * {@code maxConnections}); a refusal is a {@code * BYE [UNAVAILABLE]}, on the TLS port after the handshake.</p>
 *
 * <p>Threading: Netty event loops, one per core; each session and its upstream connection live on one loop.
 * Lifecycle: {@link #start} binds; {@link #close()} stops listening and closes every session.</p>
 */
public final class ImapProxyServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImapProxyServer.class);

    private final ImapProxySettings settings;
    private final RegistrationSink sink;
    private final ProxyCounters counters = new ProxyCounters();
    private final ConnectionAdmission admission;
    private final UpstreamDialer dialer;
    /** Linux's epoll when Netty's native transport loads (fewer copies and syscalls), Java NIO otherwise. */
    private static final boolean EPOLL = Epoll.isAvailable();

    private final EventLoopGroup boss = EPOLL
            ? new EpollEventLoopGroup(1, new DefaultThreadFactory("imap-accept", true))
            : new NioEventLoopGroup(1, new DefaultThreadFactory("imap-accept", true));
    private final EventLoopGroup workers = EPOLL
            ? new EpollEventLoopGroup(0, new DefaultThreadFactory("imap-proxy", true))
            : new NioEventLoopGroup(0, new DefaultThreadFactory("imap-proxy", true));
    private final List<Channel> serverChannels = new ArrayList<>();

    private ImapProxyServer(final ImapProxySettings settings, final RegistrationSink sink) {
        this.settings = settings;
        this.sink = sink;
        this.admission = new ConnectionAdmission(settings.maxConnections(), settings.maxConnectionsPerAddress());
        this.dialer = UpstreamDialer.tcp(settings);
    }

    /**
     * An address to listen on, and how its connections start: with TLS ({@code implicitTls}, 993-style) or plain,
     * offering STARTTLS (143-style).
     */
    public record Port(InetSocketAddress address, boolean implicitTls) {
    }

    /**
     * Binds every port; fails (closing what it bound) naming the address when one cannot be bound.
     */
    public static ImapProxyServer start(final ImapProxySettings settings, final RegistrationSink sink,
                                        final List<Port> listen) throws IOException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(sink, "sink");
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("the IMAP proxy needs at least one address to listen on");
        }
        final ImapProxyServer server = new ImapProxyServer(settings, sink);
        try {
            for (final Port port : listen) {
                if (port.implicitTls() && settings.serverTls() == null) {
                    throw new IllegalArgumentException("listening with TLS on " + port.address()
                            + " needs a certificate (imap-proxy.tls)");
                }
                server.bind(port);
            }
        } catch (final IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void bind(final Port port) throws IOException {
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel channel) {
                        final java.net.InetAddress address = channel.remoteAddress().getAddress();
                        final ConnectionAdmission.Verdict verdict = admission.admit(address);
                        if (port.implicitTls()) {
                            channel.pipeline().addLast("tls", settings.serverTls().newHandler(channel.alloc()));
                        }
                        if (verdict != ConnectionAdmission.Verdict.ADMITTED) {
                            refuse(channel, verdict, port.implicitTls());
                            return;
                        }
                        channel.closeFuture().addListener(closed -> admission.release(address));
                        counters.sessionOpened();
                        final ImapProxySession session = new ImapProxySession(settings, sink, counters,
                                port.implicitTls(), dialer, java.time.Clock.systemUTC());
                        channel.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toSeconds(),
                                        TimeUnit.SECONDS))
                                .addLast("frames", session.newClientDecoder())
                                .addLast("session", session);
                    }
                });
        final ChannelFuture bound = bootstrap.bind(port.address()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("the IMAP proxy cannot listen on " + port.address() + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        serverChannels.add(bound.channel());
        LOG.info("IMAP proxy listening on {} ({}), upstream {}:{} ({})", bound.channel().localAddress(),
                port.implicitTls() ? "TLS" : settings.serverTls() != null ? "STARTTLS" : "plain",
                settings.upstreamHost(), settings.upstreamPort(), settings.upstreamSecurity());
    }

    /**
     * Refuses a connection over a limit with {@code * BYE [UNAVAILABLE]}, counted; on the TLS port after the
     * handshake, so that the client can read it (a plaintext line there is noise to it).
     */
    private void refuse(final SocketChannel channel, final ConnectionAdmission.Verdict verdict, final boolean tls) {
        if (verdict == ConnectionAdmission.Verdict.TOO_MANY_FROM_ADDRESS) {
            counters.clientRefusedForAddress();
        } else {
            counters.clientRefused();
        }
        final String bye = verdict == ConnectionAdmission.Verdict.TOO_MANY_FROM_ADDRESS
                ? "* BYE [UNAVAILABLE] Too many connections from your address, try again later\r\n"
                : "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
        if (!tls) {
            channel.config().setAutoRead(false);
            channel.writeAndFlush(Unpooled.copiedBuffer(bye, StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        channel.pipeline().addLast("refuse", new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(final io.netty.channel.ChannelHandlerContext ctx, final Object event) {
                if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent) {
                    ctx.writeAndFlush(Unpooled.copiedBuffer(bye, StandardCharsets.US_ASCII))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }

            @Override
            public void channelRead(final io.netty.channel.ChannelHandlerContext ctx, final Object message) {
                io.netty.util.ReferenceCountUtil.release(message);
            }

            @Override
            public void exceptionCaught(final io.netty.channel.ChannelHandlerContext ctx, final Throwable cause) {
                ctx.close();
            }
        });
        channel.config().setAutoRead(true);
    }

    /** The addresses actually bound (with the port chosen when 0 was asked). */
    public List<InetSocketAddress> addresses() {
        return serverChannels.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    /** The socket channel class for upstream connections, matching the event loops. */
    static Class<? extends io.netty.channel.socket.SocketChannel> upstreamChannel() {
        return EPOLL ? io.netty.channel.epoll.EpollSocketChannel.class
                : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    public ProxyCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        serverChannels.forEach(channel -> channel.close().awaitUninterruptibly());
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
