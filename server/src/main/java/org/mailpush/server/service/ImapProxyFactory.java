package org.mailpush.server.service;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.imap.proxy.RegistrationSink;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.FilePermissions;
import org.mailpush.server.config.MailpushConfig;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Starts the IMAP proxy an {@code imap-proxy:} section describes. */
final class ImapProxyFactory {

    private ImapProxyFactory() {
    }

    static ImapProxyServer start(final MailpushConfig.ImapProxy config, final RegistrationSink sink)
            throws ConfigException, IOException {
        if (config.tlsKey() != null) {
            FilePermissions.requireOwnerOnly("imap-proxy.tls.key", config.tlsKey(), "the IMAP proxy's TLS private key");
        }
        final SslContext serverTls;
        try {
            serverTls = config.tlsCert() == null ? null
                    : SslContextBuilder.forServer(config.tlsCert().toFile(), config.tlsKey().toFile()).build();
        } catch (final SSLException | IllegalArgumentException e) {
            throw new ConfigException("imap-proxy.tls: cannot use " + config.tlsCert() + " and " + config.tlsKey()
                    + ": " + e.getMessage(), e);
        }
        final ImapProxySettings.UpstreamSecurity security =
                ImapProxySettings.UpstreamSecurity.valueOf(config.upstreamSecurity().toUpperCase(Locale.ROOT));
        SslContext upstreamTls = null;
        if (security != ImapProxySettings.UpstreamSecurity.NONE) {
            try {
                final SslContextBuilder builder = SslContextBuilder.forClient();
                if (!config.upstreamVerify()) {
                    builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (config.upstreamCa() != null) {
                    builder.trustManager(config.upstreamCa().toFile());
                }
                upstreamTls = builder.build();
            } catch (final SSLException | IllegalArgumentException e) {
                throw new ConfigException("imap-proxy.upstream.ca: cannot use " + config.upstreamCa() + ": "
                        + e.getMessage(), e);
            }
        }
        final ImapProxySettings settings = ImapProxySettings.builder()
                .serverTls(serverTls)
                .allowPlainLogin(config.allowPlainLogin())
                .upstream(config.upstreamHost(), config.upstreamPort(), security, upstreamTls, config.upstreamVerify())
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
