package org.mailpush.server.service;

import org.mailpush.imap.proxy.ImapProxyConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.imap.proxy.RegistrationSink;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.FilePermissions;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts the IMAP proxy an {@code imap-proxy:} section describes. */
final class ImapProxyFactory {

    private ImapProxyFactory() {
    }

    static ImapProxyServer start(final ImapProxyConfig config, final RegistrationSink sink)
            throws ConfigException, IOException {
        final ImapProxyConfig.Tls tls = config.tls();
        if (tls != null) {
            FilePermissions.requireOwnerOnly("imap-proxy.tls.key", tls.key(), "the IMAP proxy's TLS private key");
        }
        final SslContext serverTls;
        try {
            serverTls = tls == null ? null : SslContextBuilder.forServer(tls.cert().toFile(), tls.key().toFile())
                    .build();
        } catch (final SSLException | IllegalArgumentException e) {
            throw new ConfigException("imap-proxy.tls: cannot use " + tls.cert() + " and " + tls.key() + ": "
                    + e.getMessage(), e);
        }
        final ImapProxyConfig.Upstream upstream = config.upstream();
        final ImapProxySettings.UpstreamSecurity security = upstream.security();
        SslContext upstreamTls = null;
        if (security != ImapProxySettings.UpstreamSecurity.NONE) {
            try {
                final SslContextBuilder builder = SslContextBuilder.forClient();
                if (!upstream.verify()) {
                    builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (upstream.ca() != null) {
                    builder.trustManager(upstream.ca().toFile());
                }
                upstreamTls = builder.build();
            } catch (final SSLException | IllegalArgumentException e) {
                throw new ConfigException("imap-proxy.upstream.ca: cannot use " + upstream.ca() + ": "
                        + e.getMessage(), e);
            }
        }
        final ImapProxySettings settings = ImapProxySettings.builder()
                .serverTls(serverTls)
                .allowPlainLogin(config.allowPlainLogin())
                .upstream(upstream.host(), upstream.port(), security, upstreamTls, upstream.verify())
                .forwardClientAddress(config.forwardClientAddress())
                .compress(config.compress())
                .maxLineLength(config.maxLineLength())
                .maxLiteralLength(config.maxLiteralSize())
                .maxRegistrations(config.maxRegistrationsPerSession())
                .maxConnections(config.maxConnections())
                .maxConnectionsPerAddress(config.maxConnectionsPerAddress())
                .loginTimeout(config.loginTimeout())
                .idleTimeout(config.idleTimeout())
                .build();
        final List<ImapProxyServer.Port> listeners = new ArrayList<>();
        if (config.listenTls() != null) {
            listeners.add(new ImapProxyServer.Port(config.listenTls().toSocketAddress(), true));
        }
        if (config.listen() != null) {
            listeners.add(new ImapProxyServer.Port(config.listen().toSocketAddress(), false));
        }
        return ImapProxyServer.start(settings, sink, listeners);
    }
}
