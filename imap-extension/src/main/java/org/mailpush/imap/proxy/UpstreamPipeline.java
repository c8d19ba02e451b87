package org.mailpush.imap.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of a session's upstream connection, as the settings say:
 * {@code [proxy-header] [tls] idle frames connector upstream-events}. The PROXY v2 header goes out first, before TLS;
 * the connector ({@link UpstreamConnector}) greets, secures and introduces the client, then gives its place to the
 * session's {@link ServerResponseFilter}.
 */
final class UpstreamPipeline extends ChannelInitializer<Channel> {

    /** The longest server line looked at whole; longer ones (a big SEARCH) are passed on in parts. */
    static final int MAX_INSPECTED_LINE = 64 * 1024;

    private final ImapProxySettings settings;
    private final InetSocketAddress client;
    private final InetSocketAddress connectedTo;
    private final ServerResponseTracker tracker;
    private final UpstreamConnector.Listener listener;
    private final ChannelHandler tail;

    private Channel channel;
    private ImapFrameDecoder decoder;

    /**
     * @param client      the client's address, as the server should learn it
     * @param connectedTo the proxy's address the client connected to
     * @param tail        the last handler: the session's flow control and failure handling for this channel
     */
    UpstreamPipeline(final ImapProxySettings settings, final InetSocketAddress client,
                     final InetSocketAddress connectedTo, final ServerResponseTracker tracker,
                     final UpstreamConnector.Listener listener, final ChannelHandler tail) {
        this.settings = settings;
        this.client = client;
        this.connectedTo = connectedTo;
        this.tracker = tracker;
        this.listener = listener;
        this.tail = tail;
    }

    @Override
    protected void initChannel(final Channel upstream) {
        channel = upstream;
        if (settings.forwardClientAddress() == ImapProxySettings.ClientAddress.PROXY_V2) {
            upstream.pipeline().addLast("proxy-header", new ClientAddressForwarding.ProxyHeaderWriter(
                    ClientAddressForwarding.proxyHeader(client, connectedTo)));
        }
        if (settings.upstreamSecurity() == ImapProxySettings.UpstreamSecurity.TLS) {
            upstream.pipeline().addLast("tls", tls(settings, upstream));
        }
        decoder = new ImapFrameDecoder(MAX_INSPECTED_LINE, true);
        upstream.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                .addLast("frames", decoder)
                .addLast("connector", new UpstreamConnector(decoder, tracker,
                        settings.upstreamSecurity() == ImapProxySettings.UpstreamSecurity.STARTTLS
                                ? () -> tls(settings, upstream) : null,
                        settings.forwardClientAddress() == ImapProxySettings.ClientAddress.ID
                                ? ClientAddressForwarding.idCommand(client, connectedTo) : null,
                        listener))
                .addLast("upstream-events", tail);
    }

    /** The upstream channel, once initialized. */
    Channel channel() {
        return channel;
    }

    /** The upstream frame decoder, once initialized. */
    ImapFrameDecoder decoder() {
        return decoder;
    }

    /** TLS towards the server, checking its name when configured. */
    static SslHandler tls(final ImapProxySettings settings, final Channel upstream) {
        final SslHandler handler = settings.upstreamTls().newHandler(upstream.alloc(), settings.upstreamHost(),
                settings.upstreamPort());
        if (settings.verifyUpstreamHostname()) {
            final SSLEngine engine = handler.engine();
            final SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return handler;
    }
}
