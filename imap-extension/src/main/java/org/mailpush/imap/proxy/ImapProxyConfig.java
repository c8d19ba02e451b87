package org.mailpush.imap.proxy;

import org.mailpush.common.settings.HostPort;

import java.nio.file.Path;
import java.time.Duration;

import static org.mailpush.common.settings.Settings.inLongRange;
import static org.mailpush.common.settings.Settings.inRange;
import static org.mailpush.common.settings.Settings.orDefault;
import static org.mailpush.common.settings.Settings.required;

/**
 * {@code imap-proxy:} the proxy as the configuration file writes it: addresses, files and limits. The one place
 * these defaults and ranges are written ({@link ImapProxySettings.Builder} starts from the same constants); a value
 * left out ({@code null}) takes its default. Rules that span several keys (a certificate to listen with TLS, or
 * {@code allow-plain-login}) are checked with the rest of the configuration. {@link ImapProxySettings} is what the
 * running proxy is given, its TLS contexts made from these files. Immutable.
 *
 * @param listenTls                implicit TLS (993-style), {@code null} for none
 * @param listen                   plain with STARTTLS (143-style), {@code null} for none
 * @param allowPlainLogin          accept logins on a connection that is not encrypted
 * @param tls                      the proxy's certificate chain and key (PEM), {@code null} for none
 * @param upstream                 the IMAP server behind the proxy
 * @param forwardClientAddress     how the upstream server learns the client's address: {@code id},
 *                                 {@code proxy-v2} or {@code none}
 * @param compress                 offer COMPRESS=DEFLATE to clients
 * @param maxLineLength            longest client line, in bytes
 * @param maxLiteralSize           largest literal a client may send (APPEND), in bytes
 * @param maxRegistrationsPerSession XAPPLEPUSHSERVICE commands per session
 * @param maxConnections           client connections at once
 * @param maxConnectionsPerAddress client connections at once from one address (default a tenth of
 *                                 {@code max-connections})
 * @param loginTimeout             a session not logged in after this long is closed
 * @param idleTimeout              a session with no traffic for this long is closed
 */
public record ImapProxyConfig(HostPort listenTls, HostPort listen, Boolean allowPlainLogin, Tls tls,
                              Upstream upstream, ImapProxySettings.ClientAddress forwardClientAddress,
                              Boolean compress, Integer maxLineLength, Long maxLiteralSize,
                              Integer maxRegistrationsPerSession, Integer maxConnections,
                              Integer maxConnectionsPerAddress, Duration loginTimeout, Duration idleTimeout) {

    static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
    static final long DEFAULT_MAX_LITERAL_SIZE = 256L * 1024 * 1024;
    static final int DEFAULT_MAX_REGISTRATIONS = 16;
    static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    static final Duration DEFAULT_LOGIN_TIMEOUT = Duration.ofSeconds(60);
    /** RFC 9051 asks at least 30 minutes. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);

    /** {@code tls:} the proxy's own certificate chain and private key (PEM, PKCS#8). */
    public record Tls(Path cert, Path key) {

        public Tls {
            required("cert", cert);
            required("key", key);
        }
    }

    /**
     * {@code upstream:} the IMAP server.
     *
     * @param security {@code none}, {@code starttls} or {@code tls}
     * @param port     default 993 with {@code tls}, 143 otherwise
     * @param verify   check the server's certificate and name
     * @param ca       a PEM CA chain to trust instead of the system's roots, {@code null} for those
     */
    public record Upstream(String host, Integer port, ImapProxySettings.UpstreamSecurity security, Boolean verify,
                           Path ca) {

        public Upstream {
            required("host", host);
            security = orDefault(security, ImapProxySettings.UpstreamSecurity.NONE);
            port = inRange("port", port, security == ImapProxySettings.UpstreamSecurity.TLS ? 993 : 143, 1, 65535);
            verify = orDefault(verify, true);
        }
    }

    public ImapProxyConfig {
        allowPlainLogin = orDefault(allowPlainLogin, false);
        required("upstream", upstream);
        forwardClientAddress = orDefault(forwardClientAddress, ImapProxySettings.ClientAddress.ID);
        compress = orDefault(compress, true);
        maxLineLength = inRange("max-line-length", maxLineLength, DEFAULT_MAX_LINE_LENGTH, 1024, 16 * 1024 * 1024);
        maxLiteralSize = inLongRange("max-literal-size", maxLiteralSize, DEFAULT_MAX_LITERAL_SIZE, 0,
                Integer.MAX_VALUE);
        maxRegistrationsPerSession = inRange("max-registrations-per-session", maxRegistrationsPerSession,
                DEFAULT_MAX_REGISTRATIONS, 1, 10_000);
        maxConnections = inRange("max-connections", maxConnections, DEFAULT_MAX_CONNECTIONS, 1, 1_000_000);
        maxConnectionsPerAddress = inRange("max-connections-per-address", maxConnectionsPerAddress,
                ImapProxySettings.defaultPerAddress(maxConnections), 1, maxConnections);
        loginTimeout = inRange("login-timeout", loginTimeout, DEFAULT_LOGIN_TIMEOUT, Duration.ofSeconds(5),
                Duration.ofMinutes(30));
        idleTimeout = inRange("idle-timeout", idleTimeout, DEFAULT_IDLE_TIMEOUT, Duration.ofMinutes(1),
                Duration.ofDays(1));
    }
}
