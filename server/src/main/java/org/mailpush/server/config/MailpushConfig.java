package org.mailpush.server.config;

import org.mailpush.common.settings.HostPort;

import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.notifyd.cyrus.CyrusNamespace;
import org.mailpush.pusher.credentials.ApnsEnvironment;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.store.UsernameFolding;

import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration of a mailpush process, validated: every value here was checked by {@link ConfigLoader}.
 *
 * @param source the file it came from
 */
public record MailpushConfig(Path source, Store store, Optional<Cyrus> cyrus, Optional<ImapProxy> imapProxy,
                             Optional<HttpIntake> intake, Optional<HttpIntake> xapsd, Apns apns, Http http,
                             Routing routing) {

    /**
     * {@code routing:} how many events may wait for the routing thread, per lane (mail; registrations): the bound on
     * the memory a burst takes before what is past it is shed (and counted).
     */
    public record Routing(int maxQueuedMail, int maxQueuedRegistrations) {
    }

    /** {@code store:} where registrations live, and their lifecycle. */
    public record Store(String url, String user, Path passwordFile, UsernameFolding usernameCase,
                        Duration expireAfter, Duration sweepInterval, Duration failoverTimeout,
                        TokenStoreBuilder.CacheMode cache, int cacheSize, Duration cacheMaxAge,
                        int maxDevicesPerUser, int maxQueuedPushes, long cacheKnownUsers) {
    }

    /**
     * {@code cyrus:} the notify socket Cyrus writes events to.
     *
     * @param streamMode     {@code notify-socket: dlist:/path}: Cyrus's stream mode, events acknowledged once
     *                       they are queued on disk in {@code queueDirectory}
     * @param queueDirectory where stream-mode events wait until their pushes are answered
     */
    public record Cyrus(Path notifySocket, Set<PosixFilePermission> socketMode, String socketGroup,
                        String eventNotifier, CyrusNamespace namespace, int maxDatagramBytes, boolean streamMode,
                        Path queueDirectory, long queueMaxBytes) {
    }

    /**
     * {@code apns:} where pushes go, what signs them, and how delivery behaves.
     *
     * @param host  {@code null} unless set: then every credential goes to its environment's Apple gateway
     * @param topic the topic registrations are answered with, for a process that does not read the credentials
     *              ({@code --role intake}); {@code null} unless set
     */
    public record Apns(String host, int port, Path trust, List<Credential> credentials, Delivery delivery,
                       String topic) {
    }

    /** The delivery tunables under {@code apns:}; the defaults suit a site of any size. */
    public record Delivery(int maxPending, int maxInFlight, Duration newMailWindow, Duration changeDelay,
                           Duration expiration, int retryAttempts, Duration initialBackoff, Duration maxBackoff,
                           int circuitFailureRate, int circuitWindow, int circuitMinimumCalls,
                           Duration circuitOpenFor, Duration reloadInterval, Duration shutdownTimeout) {
    }

    /**
     * One entry of {@code apns.credentials}.
     *
     * @param key the config path of this entry, e.g. {@code apns.credentials[0]}, for messages
     */
    public record Credential(String key, Kind kind, Path file, Path keyFile, Path passwordFile, String teamId,
                             String keyId, String topic, ApnsEnvironment environment) {

        /** The three forms a credential comes in. */
        public enum Kind { PKCS12, PEM, TOKEN_KEY }
    }

    /**
     * {@code imap-proxy:} XAPPLEPUSHSERVICE for any IMAP server, in front of it.
     *
     * @param listenTls implicit TLS (993-style), {@code null} for none
     * @param listen    plain with STARTTLS (143-style), {@code null} for none
     * @param tlsCert   the proxy's certificate chain (PEM), {@code null} when it has none
     * @param tlsKey    its private key (PEM, PKCS#8)
     */
    public record ImapProxy(HostPort listenTls, HostPort listen, boolean allowPlainLogin, Path tlsCert, Path tlsKey,
                            String upstreamHost, int upstreamPort, String upstreamSecurity, boolean upstreamVerify,
                            Path upstreamCa, ImapProxySettings.ClientAddress forwardClientAddress, boolean compress,
                            int maxLineLength, long maxLiteralSize, int maxRegistrationsPerSession,
                            int maxConnections, int maxConnectionsPerAddress, Duration loginTimeout,
                            Duration idleTimeout) {
    }

    /**
     * {@code intake:} (Dovecot's Lua push driver posts events) or {@code xapsd:} (the xaps plugin's API): an HTTP
     * listener for a mail server.
     *
     * @param key    {@code intake} or {@code xapsd}, for messages
     * @param secretFile where the secret was read from, {@code null} for none
     * @param secret     the shared secret senders must present, {@code null} for none (allowed on loopback only)
     */
    public record HttpIntake(String key, HostPort listen, Path secretFile, String secret, int maxBodyBytes,
                             int maxConnections, Duration idleTimeout) {

        @Override
        public String toString() {
            // Never print the secret.
            return key + "[listen=" + listen + ", secret=" + (secret == null ? "none" : "set") + "]";
        }
    }

    /** {@code http:} the ops endpoint. */
    /**
     * @param user     for HTTP Basic authentication on every path, {@code null} for none
     * @param password its password (from {@code password-file}), {@code null} for none
     */
    public record Http(HostPort listen, String user, String password) {

        public Http(final HostPort listen) {
            this(listen, null, null);
        }

        @Override
        public String toString() {
            return "Http[listen=" + listen + ", user=" + user + "]";
        }
    }
}
