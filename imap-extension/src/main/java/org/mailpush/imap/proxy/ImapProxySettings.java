package org.mailpush.imap.proxy;

import io.netty.handler.ssl.SslContext;

import java.time.Duration;
import java.util.Objects;

/**
 * What an {@link ImapProxyServer} needs to know: its TLS context for clients, where the upstream IMAP server is and
 * how to reach it, and the limits that keep one client from hurting the others.
 *
 * @param serverTls              the context for client connections (implicit TLS and STARTTLS); {@code null}
 *                               when the proxy has no certificate (then plain only, and logins need
 *                               {@code allowPlainLogin})
 * @param allowPlainLogin        accept LOGIN and AUTHENTICATE on a connection that is not encrypted
 * @param upstreamHost           the IMAP server
 * @param upstreamPort           its port
 * @param upstreamSecurity       plain, STARTTLS or implicit TLS towards it
 * @param upstreamTls            the client TLS context towards it (trust and verification), for STARTTLS and TLS
 * @param verifyUpstreamHostname check that the upstream certificate names {@code upstreamHost}
 * @param maxLineLength          longest client line, in bytes (Dovecot's own limit is 64 KiB)
 * @param maxLiteralLength       largest literal a client may send (APPEND), in bytes
 * @param maxCommandLength       largest command the proxy answers itself (XAPPLEPUSHSERVICE), literals included
 * @param maxRegistrations       XAPPLEPUSHSERVICE commands per session
 * @param maxConnections         client connections at once
 * @param idleTimeout            a session with no traffic either way for this long is closed (RFC 9051 asks at
 *                               least 30 minutes)
 * @param connectTimeout         how long connecting to the upstream server may take
 */
public record ImapProxySettings(SslContext serverTls, boolean allowPlainLogin, String upstreamHost, int upstreamPort,
                                UpstreamSecurity upstreamSecurity, SslContext upstreamTls,
                                boolean verifyUpstreamHostname, int maxLineLength,
                                long maxLiteralLength, int maxCommandLength, int maxRegistrations, int maxConnections,
                                Duration idleTimeout, Duration connectTimeout) {

    /** How the proxy talks to the upstream server. */
    public enum UpstreamSecurity { NONE, STARTTLS, TLS }

    public ImapProxySettings {
        Objects.requireNonNull(upstreamHost, "upstreamHost");
        Objects.requireNonNull(upstreamSecurity, "upstreamSecurity");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (upstreamSecurity != UpstreamSecurity.NONE && upstreamTls == null) {
            throw new IllegalArgumentException("upstream " + upstreamSecurity + " needs a TLS context");
        }
        if (upstreamPort < 1 || upstreamPort > 65535 || maxLineLength < 1024 || maxLiteralLength < 0
                || maxCommandLength < 1024 || maxRegistrations < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("IMAP proxy limits out of range");
        }
    }
}
