package org.mailpush.imap.proxy;

import io.netty.handler.ssl.SslContext;

import java.time.Duration;
import java.util.Objects;

/**
 * What an {@link ImapProxyServer} needs to know: its TLS context for clients, where the upstream IMAP server is and
 * how to reach it, and the limits that keep one client from hurting the others. Made with {@link #builder()}, which
 * holds every default and checks every range.
 *
 * @param serverTls                the context for client connections (implicit TLS and STARTTLS); {@code null}
 *                                 when the proxy has no certificate (then plain only, and logins need
 *                                 {@code allowPlainLogin})
 * @param allowPlainLogin          accept LOGIN and AUTHENTICATE on a connection that is not encrypted
 * @param upstreamHost             the IMAP server
 * @param upstreamPort             its port
 * @param upstreamSecurity         plain, STARTTLS or implicit TLS towards it
 * @param upstreamTls              the client TLS context towards it (trust and verification), for STARTTLS and TLS
 * @param verifyUpstreamHostname   check that the upstream certificate names {@code upstreamHost}
 * @param forwardClientAddress     how the upstream server learns the client's address
 * @param compress                 offer COMPRESS=DEFLATE (RFC 4978) on the client's leg; the upstream leg is never
 *                                 compressed
 * @param maxLineLength            longest client line, in bytes (Dovecot's own limit is 64 KiB)
 * @param maxLiteralLength         largest literal a client may send (APPEND), in bytes
 * @param maxCommandLength         largest command the proxy reads whole (XAPPLEPUSHSERVICE, ID), literals included
 * @param maxRegistrations         XAPPLEPUSHSERVICE commands per session
 * @param maxConnections           client connections at once
 * @param maxConnectionsPerAddress client connections at once from one address
 * @param loginTimeout             a session not logged in after this long is closed
 * @param idleTimeout              a session with no traffic either way for this long is closed (RFC 9051 asks at
 *                                 least 30 minutes)
 * @param connectTimeout           how long connecting to the upstream server may take
 */
public record ImapProxySettings(SslContext serverTls, boolean allowPlainLogin, String upstreamHost, int upstreamPort,
                                UpstreamSecurity upstreamSecurity, SslContext upstreamTls,
                                boolean verifyUpstreamHostname, ClientAddress forwardClientAddress,
                                boolean compress, int maxLineLength, long maxLiteralLength, int maxCommandLength,
                                int maxRegistrations,
                                int maxConnections, int maxConnectionsPerAddress, Duration loginTimeout,
                                Duration idleTimeout, Duration connectTimeout) {

    /** How the proxy talks to the upstream server. */
    public enum UpstreamSecurity { NONE, STARTTLS, TLS }

    /** How the upstream server learns the client's address: see {@code ClientAddressForwarding}. */
    public enum ClientAddress { NONE, ID, PROXY_V2 }

    public ImapProxySettings {
        Objects.requireNonNull(upstreamHost, "upstreamHost");
        Objects.requireNonNull(upstreamSecurity, "upstreamSecurity");
        Objects.requireNonNull(forwardClientAddress, "forwardClientAddress");
        Objects.requireNonNull(loginTimeout, "loginTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (upstreamSecurity != UpstreamSecurity.NONE && upstreamTls == null) {
            throw new IllegalArgumentException("upstream " + upstreamSecurity + " needs a TLS context");
        }
        if (upstreamPort < 1 || upstreamPort > 65535 || maxLineLength < 1024 || maxLiteralLength < 0
                || maxCommandLength < 1024 || maxRegistrations < 1 || maxConnections < 1
                || maxConnectionsPerAddress < 1 || loginTimeout.isNegative() || loginTimeout.isZero()
                || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("IMAP proxy limits out of range");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every setting with its default; {@link #build()} checks them together. */
    public static final class Builder {
        private SslContext serverTls;
        private boolean allowPlainLogin;
        private String upstreamHost;
        private int upstreamPort = 143;
        private UpstreamSecurity upstreamSecurity = UpstreamSecurity.NONE;
        private SslContext upstreamTls;
        private boolean verifyUpstreamHostname;
        private ClientAddress forwardClientAddress = ClientAddress.ID;
        private boolean compress = true;
        // The defaults of the configurable limits are ImapProxyConfig's, written there once.
        private int maxLineLength = ImapProxyConfig.DEFAULT_MAX_LINE_LENGTH;
        private long maxLiteralLength = ImapProxyConfig.DEFAULT_MAX_LITERAL_SIZE;
        private int maxCommandLength = 64 * 1024;
        private int maxRegistrations = ImapProxyConfig.DEFAULT_MAX_REGISTRATIONS;
        private int maxConnections = ImapProxyConfig.DEFAULT_MAX_CONNECTIONS;
        private Integer maxConnectionsPerAddress;
        private Duration loginTimeout = ImapProxyConfig.DEFAULT_LOGIN_TIMEOUT;
        private Duration idleTimeout = ImapProxyConfig.DEFAULT_IDLE_TIMEOUT;
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder serverTls(final SslContext context) {
            this.serverTls = context;
            return this;
        }

        public Builder allowPlainLogin(final boolean allow) {
            this.allowPlainLogin = allow;
            return this;
        }

        public Builder upstream(final String host, final int port, final UpstreamSecurity security,
                                final SslContext tls, final boolean verifyHostname) {
            this.upstreamHost = host;
            this.upstreamPort = port;
            this.upstreamSecurity = security;
            this.upstreamTls = tls;
            this.verifyUpstreamHostname = verifyHostname;
            return this;
        }

        /** A plain upstream connection. */
        public Builder upstream(final String host, final int port) {
            return upstream(host, port, UpstreamSecurity.NONE, null, false);
        }

        public Builder forwardClientAddress(final ClientAddress how) {
            this.forwardClientAddress = how;
            return this;
        }

        public Builder compress(final boolean offer) {
            this.compress = offer;
            return this;
        }

        public Builder maxLineLength(final int bytes) {
            this.maxLineLength = bytes;
            return this;
        }

        public Builder maxLiteralLength(final long bytes) {
            this.maxLiteralLength = bytes;
            return this;
        }

        public Builder maxCommandLength(final int bytes) {
            this.maxCommandLength = bytes;
            return this;
        }

        public Builder maxRegistrations(final int perSession) {
            this.maxRegistrations = perSession;
            return this;
        }

        /** Also sets the per-address share to a tenth of it, unless that is set. */
        public Builder maxConnections(final int connections) {
            this.maxConnections = connections;
            return this;
        }

        public Builder maxConnectionsPerAddress(final int connections) {
            this.maxConnectionsPerAddress = connections;
            return this;
        }

        public Builder loginTimeout(final Duration timeout) {
            this.loginTimeout = timeout;
            return this;
        }

        public Builder idleTimeout(final Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        public Builder connectTimeout(final Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** @throws IllegalArgumentException naming what is out of range */
        public ImapProxySettings build() {
            final int perAddress = maxConnectionsPerAddress != null ? maxConnectionsPerAddress
                    : defaultPerAddress(maxConnections);
            return new ImapProxySettings(serverTls, allowPlainLogin, upstreamHost, upstreamPort, upstreamSecurity,
                    upstreamTls, verifyUpstreamHostname, forwardClientAddress, compress, maxLineLength,
                    maxLiteralLength,
                    maxCommandLength, maxRegistrations, maxConnections, perAddress, loginTimeout, idleTimeout,
                    connectTimeout);
        }
    }

    /** A tenth of the connections, at least one: carrier-grade NAT puts many phones behind one address. */
    public static int defaultPerAddress(final int maxConnections) {
        return Math.max(1, maxConnections / 10);
    }
}
