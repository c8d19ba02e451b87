package org.mailpush.server.admin;

import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.pusher.credentials.CredentialInspection;
import org.mailpush.server.config.ConfigException;
import org.mailpush.common.settings.HostPort;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code mailpush check}: every part of an install, one verdict each. Configuration and credentials (with expiry),
 * the token store, the Cyrus notify socket (a socket, the configured mode and group, bound by a process), a TLS
 * handshake with each credential to its APNs gateway, the running service's listeners and readiness, and, when
 * {@code doveconf} is on this machine, what the local Dovecot's configuration points at mailpush
 * ({@link DovecotWiringCheck}).
 */
public final class InstallCheck {

    /** One checked item. */
    public record Result(Verdict verdict, String item, String detail) {
    }

    public enum Verdict { PASS, WARN, FAIL }

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MailpushConfig config;
    private final Clock clock;
    private final Path doveconf;
    private final Path dovecotConfig;
    private final List<Result> results = new ArrayList<>();
    private Path imapdConf;
    private Path cyrusConf;

    /**
     * @param doveconf      the doveconf program to read Dovecot's configuration with ({@link #findDoveconf}),
     *                      {@code null} for none: no Dovecot lines
     * @param dovecotConfig the dovecot.conf doveconf reads, {@code null} for Dovecot's default
     */
    public InstallCheck(final MailpushConfig config, final Clock clock, final Path doveconf,
                        final Path dovecotConfig) {
        this.config = config;
        this.clock = clock;
        this.doveconf = doveconf;
        this.dovecotConfig = dovecotConfig;
    }

    /**
     * Which Cyrus configuration to compare with the {@code cyrus:} section ({@link CyrusWiringCheck}) instead of
     * {@code cyrus.imapd-conf} and {@code cyrus.cyrus-conf}; {@code null} keeps the configured one.
     */
    public InstallCheck cyrusFiles(final Path imapd, final Path cyrus) {
        this.imapdConf = imapd;
        this.cyrusConf = cyrus;
        return this;
    }

    /** The {@code doveconf} first on {@code searchPath} (folders as in {@code PATH}), or {@code null}. */
    public static Path findDoveconf(final String searchPath) {
        return Doveconf.find(searchPath).orElse(null);
    }

    public List<Result> run() {
        results.add(new Result(Verdict.PASS, "configuration", config.source() + " is valid"));
        final List<CredentialInspection> credentials = InstalledCredentials.inspect(config, clock);
        if (credentials.isEmpty()) {
            results.add(new Result(Verdict.WARN, "apns.credentials", "none: this configuration can only run the"
                    + " intake of a split install (--role intake), which pushes through the store's queue"));
        }
        for (int i = 0; i < credentials.size(); i++) {
            credential("apns.credentials[" + i + "]", credentials.get(i));
        }
        // The topics of the credentials that could be read: what the store's subscriptions and Cyrus's aps_topic*
        // settings are held against.
        final Set<String> topics = new java.util.LinkedHashSet<>(credentials.stream().map(CredentialInspection::topic)
                .filter(java.util.Objects::nonNull).toList());
        store(!credentials.isEmpty(), topics);
        config.cyrus().ifPresent(this::cyrusSocket);
        config.cyrus().ifPresent(cyrus -> results.addAll(new CyrusWiringCheck(cyrus,
                imapdConf != null ? imapdConf : cyrus.imapdConf(), cyrusConf != null ? cyrusConf : cyrus.cyrusConf(),
                topics).run()));
        for (int i = 0; i < credentials.size(); i++) {
            if (credentials.get(i).valid()) {
                apns("apns.credentials[" + i + "]", config.apns().credentials().get(i), credentials.get(i));
            }
        }
        config.intake().ifPresent(intake -> listening("intake", intake.listen()));
        config.xapsd().ifPresent(xapsd -> listening("xapsd", xapsd.listen()));
        config.imapProxy().ifPresent(proxy -> {
            if (proxy.listenTls() != null) {
                listening("imap-proxy.listen-tls", proxy.listenTls());
            }
            if (proxy.listen() != null) {
                listening("imap-proxy.listen", proxy.listen());
            }
        });
        readiness();
        if (doveconf != null) {
            if (Files.isExecutable(doveconf)) {
                results.addAll(new DovecotWiringCheck(config, new Doveconf(doveconf, dovecotConfig)).run());
            } else {
                results.add(new Result(Verdict.FAIL, "dovecot", doveconf + " is not an executable doveconf"));
            }
        }
        return List.copyOf(results);
    }

    private void credential(final String key, final CredentialInspection credential) {
        if (!credential.valid()) {
            results.add(new Result(Verdict.FAIL, key, credential.file() + ": " + String.join("; ",
                    credential.problems())));
            return;
        }
        final String facts = credential.topic() + (credential.notAfter() == null ? "" : ", valid until "
                + credential.notAfter() + " (" + Duration.between(clock.instant(), credential.notAfter()).toDays()
                + " days left)");
        if (credential.warnings().isEmpty() || (credential.isTokenKey() && credential.warnings().size() == 1)) {
            results.add(new Result(Verdict.PASS, key, facts));
        } else {
            final List<String> warnings = new ArrayList<>(credential.warnings());
            if (credential.isTokenKey()) {
                warnings.remove(warnings.size() - 1); // the general note about token keys
            }
            results.add(new Result(Verdict.WARN, key, facts + ": " + String.join("; ", warnings)));
        }
    }

    /** @param credentials whether any credential is configured (an intake-only install has none) */
    private void store(final boolean credentials, final Set<String> topics) {
        try (TokenStore store = StoreFactory.open(config.store(), TIMEOUT)) {
            if (!store.isReachable()) {
                results.add(new Result(Verdict.FAIL, "store", store.describe() + " does not answer"));
                return;
            }
            final java.util.SortedMap<String, Long> byTopic = store.subscriptions().countSubscriptionsByTopic();
            results.add(new Result(Verdict.PASS, "store", store.describe() + " reachable, "
                    + store.registrations().count() + " registration(s), "
                    + byTopic.values().stream().mapToLong(Long::longValue).sum() + " DAV subscription(s)"));
            // A subscription is pushed only through the credential of its own topic: without one it never is.
            if (credentials) {
                byTopic.forEach((topic, count) -> {
                    if (!topics.contains(topic)) {
                        results.add(new Result(Verdict.FAIL, "store subscriptions", count + " DAV subscription(s)"
                                + " on topic " + topic + ", which no installed credential has: they are never"
                                + " pushed (install its certificate with mailpush certs install, or fix"
                                + " aps_topic_caldav/aps_topic_carddav)"));
                    }
                });
            }
        } catch (final ConfigException | TokenStoreException e) {
            results.add(new Result(Verdict.FAIL, "store", e.getMessage()));
        }
    }

    private void cyrusSocket(final CyrusSettings cyrus) {
        final String item = "cyrus.notify-socket";
        final Path socket = cyrus.notifySocket().path();
        final PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(socket, PosixFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (final IOException e) {
            results.add(new Result(Verdict.FAIL, item, socket + " does not exist: is mailpush run running?"));
            return;
        }
        if (!attributes.isOther()) {
            results.add(new Result(Verdict.FAIL, item, socket + " is not a socket"));
            return;
        }
        final List<String> wrong = new ArrayList<>();
        if (!attributes.permissions().equals(cyrus.socketPermissions())) {
            wrong.add("mode is " + PosixFilePermissions.toString(attributes.permissions()) + ", configured "
                    + PosixFilePermissions.toString(cyrus.socketPermissions()));
        }
        if (cyrus.socketGroup() != null && !attributes.group().getName().equals(cyrus.socketGroup())) {
            wrong.add("group is " + attributes.group().getName() + ", configured " + cyrus.socketGroup());
        }
        if (!wrong.isEmpty()) {
            results.add(new Result(Verdict.FAIL, item, socket + ": " + String.join("; ", wrong)
                    + " (Cyrus may not be able to write to it)"));
            return;
        }
        if (!boundUnixSockets().contains(socket.toAbsolutePath().toString())) {
            results.add(new Result(Verdict.FAIL, item, socket + " exists but no process has it bound: is mailpush"
                    + " run running?"));
            return;
        }
        results.add(new Result(Verdict.PASS, item, socket + " bound, mode "
                + PosixFilePermissions.toString(attributes.permissions()) + ", group "
                + attributes.group().getName()));
    }

    /** The paths of the Unix sockets bound on this machine, from the kernel's table. */
    private static Set<String> boundUnixSockets() {
        final Set<String> paths = new java.util.HashSet<>();
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                final String[] fields = line.trim().split("\\s+");
                if (fields.length >= 8 && fields[7].startsWith("/")) {
                    paths.add(fields[7]);
                }
            }
        } catch (final IOException e) {
            // No /proc: every socket looks unbound, and the check says so.
        }
        return paths;
    }

    private void apns(final String key, final MailpushConfig.Credential entry,
                      final CredentialInspection credential) {
        final String host = config.apns().host() != null ? config.apns().host() : entry.environment().host();
        final int port = config.apns().host() != null ? config.apns().port() : 443;
        final String item = key + " → " + host + ":" + port;
        try {
            final SSLContext tls = SSLContext.getInstance("TLS");
            KeyManagerFactory keys = null;
            if (!credential.isTokenKey()) {
                final KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", credential.privateKey(), new char[0],
                        credential.chain().toArray(new Certificate[0]));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, new char[0]);
            }
            TrustManagerFactory trust = null;
            if (config.apns().trust() != null) {
                final KeyStore anchors = KeyStore.getInstance("PKCS12");
                anchors.load(null, null);
                try (InputStream in = Files.newInputStream(config.apns().trust())) {
                    int n = 0;
                    for (final Certificate certificate : CertificateFactory.getInstance("X.509")
                            .generateCertificates(in)) {
                        anchors.setCertificateEntry("trust-" + n++, certificate);
                    }
                }
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(anchors);
            }
            tls.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
                plain.setSoTimeout((int) TIMEOUT.toMillis());
                try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true)) {
                    final SSLParameters parameters = socket.getSSLParameters();
                    parameters.setApplicationProtocols(new String[]{"h2"});
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    socket.setSSLParameters(parameters);
                    socket.startHandshake();
                    // With TLS 1.3 the server checks the client certificate after the handshake: read once so a
                    // refusal shows up here (APNs sends its HTTP/2 settings first when it accepts).
                    socket.getInputStream().read();
                    // Apple's gateways choose HTTP/2 by ALPN; a server that takes no part in ALPN is let pass.
                    final String alpn = socket.getApplicationProtocol();
                    if (alpn != null && !alpn.isEmpty() && !"h2".equals(alpn)) {
                        results.add(new Result(Verdict.FAIL, item, "TLS works but the server chose " + alpn
                                + " rather than HTTP/2: not an APNs gateway"));
                        return;
                    }
                    results.add(new Result(Verdict.PASS, item, "TLS handshake " + (credential.isTokenKey() ? ""
                            : "with the client certificate ") + "accepted (" + socket.getSession().getProtocol()
                            + ("h2".equals(alpn) ? ", h2" : "") + ")"));
                }
            }
        } catch (final javax.net.ssl.SSLException e) {
            results.add(new Result(Verdict.FAIL, item, "TLS handshake refused: " + e.getMessage()
                    + (credential.isTokenKey() ? "" : " (a revoked or wrong-environment certificate, or an"
                    + " untrusted server)")));
        } catch (final IOException e) {
            results.add(new Result(Verdict.FAIL, item, "cannot connect: " + e.getMessage()
                    + " (firewall? outbound port " + port + " must be open)"));
        } catch (final GeneralSecurityException e) {
            results.add(new Result(Verdict.FAIL, item, "cannot set up TLS: " + e.getMessage()));
        }
    }

    private void listening(final String key, final HostPort listen) {
        final HostPort local = HostPort.parse(listen.forLocalClient());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(local.host(), local.port()), (int) TIMEOUT.toMillis());
            results.add(new Result(Verdict.PASS, key, "listening on " + listen));
        } catch (final IOException e) {
            results.add(new Result(Verdict.FAIL, key, "nothing listens on " + listen + " (" + e.getMessage()
                    + "): is mailpush run running?"));
        }
    }

    private void readiness() {
        final HostPort ops = config.http().listen();
        final String host = ops.host().equals("0.0.0.0") ? "127.0.0.1" : ops.host();
        final URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + ops.port()
                + "/readyz");
        try {
            final HttpResponse<String> answer = HttpClient.newBuilder().connectTimeout(TIMEOUT).build().send(
                    HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200) {
                results.add(new Result(Verdict.PASS, "service", "mailpush run is ready (" + uri + ")"));
            } else {
                results.add(new Result(Verdict.FAIL, "service", "mailpush run answers but is not ready: "
                        + answer.body().trim()));
            }
        } catch (final IOException e) {
            results.add(new Result(Verdict.FAIL, "service", "no answer from " + uri + ": is mailpush run"
                    + " running?"));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
