package org.mailpush.benchmarks;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.imap.proxy.RegistrationSink;
import org.mailpush.store.Registration;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.LmtpClient;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A FETCH-heavy IMAP session directly to Dovecot and through the proxy, every way in one run: 50 messages of 100 KB
 * fetched one command each and then in one command, then 2,000 NOOPs (pure per-command cost).
 *
 * <ul>
 *   <li><b>plain</b>: plain on both legs, so the proxy's own cost is measured, with a bare TCP relay (no parsing)
 *   beside it as the yardstick for what a second hop costs by itself;</li>
 *   <li><b>TLS</b>, the shape of a real install: the phone's connection is TLS (port 993) either to Dovecot itself
 *   or to the proxy, which speaks plain IMAP to Dovecot on loopback; the proxy's TLS through the JDK and, when
 *   netty-tcnative loads, through OpenSSL (BoringSSL), which is what {@code mailpush} uses when it can.</li>
 * </ul>
 * Rounds rotate which path goes first; medians of the rounds are printed.
 *
 * <p>Run: {@code benchmarks/run proxy [ROUNDS] [ROUTE]} (default 5 rounds, every route; ROUTE keeps the routes whose
 * name contains it, with their baselines), as root (it starts Dovecot from a temporary folder,
 * as the interop tests do). Not a test: nothing asserts; figures go to docs/benchmarks.md.</p>
 */
public final class ProxyBenchmark {

    private static final int MESSAGES = 50;
    private static final int MESSAGE_BYTES = 100_000;
    private static final int NOOPS = 2_000;

    /**
     * One way of reaching Dovecot; {@code baseline} names the path its ratios are against; {@code threads} the name
     * prefix of the threads that relay on it (their CPU time is measured), {@code null} for none.
     */
    private record Route(String name, int port, SocketFactory sockets, String baseline, String threads) {
    }

    /**
     * One session's figures; {@code cpuMicrosPerMB}: CPU time of the relaying threads (the proxy's event loops, or
     * the bare relay's) per MB moved, the proxy's own cost without the noise of a shared machine's wall clock.
     */
    private record Figures(double perMessageMBps, double streamMBps, double fetchMicros, double noopMicros,
                           double cpuMicrosPerMB) {
    }

    /** CPU nanoseconds used so far by the live threads whose names start with {@code prefix}. */
    private static long cpuNanos(final String prefix) {
        if (prefix == null) {
            return 0;
        }
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(prefix)) {
                total += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return total;
    }

    private ProxyBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final Path dir = Files.createTempDirectory("mailpush-proxy-bench-");
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final DovecotServer.Tls dovecotTls = new DovecotServer.Tls(pki.serverCertificateFile(), pki.serverKeyFile());
        try (DovecotServer dovecot = DovecotServer.start(Files.createDirectories(dir.resolve("dovecot")),
                List.of("bench"), List.of(),
                dovecotTls)) {
            deliverMessages(dovecot);
            final SocketFactory tls = clientTls(pki.caCertificateFile());
            final List<AutoCloseable> servers = new ArrayList<>();
            final List<Route> routes = new ArrayList<>();
            try {
                routes.add(new Route("plain, direct to Dovecot", dovecot.imapPort(), SocketFactory.getDefault(),
                        null, null));
                final BareTcpRelay relay = new BareTcpRelay(new InetSocketAddress("127.0.0.1", dovecot.imapPort()));
                servers.add(relay);
                routes.add(new Route("plain, bare TCP relay", relay.port(), SocketFactory.getDefault(),
                        "plain, direct to Dovecot", "bare-relay"));
                final ImapProxyServer plainProxy = proxy(dovecot, null);
                servers.add(plainProxy);
                routes.add(new Route("plain, through the proxy", plainProxy.addresses().get(0).getPort(),
                        SocketFactory.getDefault(), "plain, direct to Dovecot", "imap-proxy"));
                routes.add(new Route("TLS, direct to Dovecot (OpenSSL)", dovecot.imapsPort(), tls, null, null));
                final ImapProxyServer jdkProxy = proxy(dovecot, serverTls(pki, SslProvider.JDK));
                servers.add(jdkProxy);
                routes.add(new Route("TLS, through the proxy (JDK TLS)", jdkProxy.addresses().get(0).getPort(), tls,
                        "TLS, direct to Dovecot (OpenSSL)", "imap-proxy"));
                if (OpenSsl.isAvailable()) {
                    final ImapProxyServer openSslProxy = proxy(dovecot, serverTls(pki, SslProvider.OPENSSL));
                    servers.add(openSslProxy);
                    routes.add(new Route("TLS, through the proxy (OpenSSL TLS)",
                            openSslProxy.addresses().get(0).getPort(), tls, "TLS, direct to Dovecot (OpenSSL)",
                            "imap-proxy"));
                } else {
                    System.out.println("netty-tcnative does not load here (" + OpenSsl.unavailabilityCause()
                            + "): no OpenSSL route");
                }
                // An optional second argument keeps the routes whose name contains it (and their baselines).
                final String only = args.length > 1 ? args[1] : null;
                final List<Route> chosen = routes.stream().filter(route -> only == null || route.name().contains(only)
                        || routes.stream().anyMatch(other -> other.name().contains(only)
                        && route.name().equals(other.baseline()))).toList();
                run(chosen, rounds);
            } finally {
                for (final AutoCloseable server : servers) {
                    server.close();
                }
                if (dovecot.log().contains("Error")) {
                    System.out.println("Dovecot logged errors:\n" + dovecot.log());
                }
            }
        }
    }

    private static void run(final List<Route> routes, final int rounds) throws IOException {
        System.out.printf(Locale.ROOT, "IMAP sessions to Dovecot 2.3: %d x FETCH of %d KB one by one, then all in one"
                        + " FETCH, then %d NOOPs; %d rounds; loopback; %d cores; %s%n", MESSAGES, MESSAGE_BYTES / 1000,
                NOOPS, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        for (final Route route : routes) {
            session(route);
        }
        final Figures[][] figures = new Figures[routes.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < routes.size(); i++) {
                final int r = (i + round) % routes.size();
                figures[r][round] = session(routes.get(r));
            }
            System.out.printf(Locale.ROOT, "round %d:%n", round + 1);
            for (int r = 0; r < routes.size(); r++) {
                final Figures f = figures[r][round];
                System.out.printf(Locale.ROOT, "  %-38s stream %7.1f MB/s  per message %7.1f MB/s  FETCH %5.0f µs"
                                + "  NOOP %4.0f µs  CPU %5.0f µs/MB%n", routes.get(r).name(), f.streamMBps(),
                        f.perMessageMBps(), f.fetchMicros(), f.noopMicros(), f.cpuMicrosPerMB());
            }
        }
        System.out.printf(Locale.ROOT, "%nmedians of %d rounds (ratio: throughput against the direct path of the same"
                + " security, target >= 0.9; added: median latency, target <= 1000 µs)%n", rounds);
        System.out.printf(Locale.ROOT,
                "| %s | whole mailbox in one FETCH | one FETCH per message | median FETCH (100 KB)"
                + " | median NOOP | relay CPU per MB |%n|---|---|---|---|---|---|%n", "route");
        for (int r = 0; r < routes.size(); r++) {
            final Route route = routes.get(r);
            final double stream = median(figures[r], Figures::streamMBps);
            final double perMessage = median(figures[r], Figures::perMessageMBps);
            final double fetch = median(figures[r], Figures::fetchMicros);
            final double noop = median(figures[r], Figures::noopMicros);
            final double cpu = median(figures[r], Figures::cpuMicrosPerMB);
            if (route.baseline() == null) {
                System.out.printf(Locale.ROOT, "| %s | %,.1f MB/s | %,.1f MB/s | %.0f µs | %.0f µs | |%n", route.name(),
                        stream, perMessage, fetch, noop);
                continue;
            }
            final int b = indexOf(routes, route.baseline());
            System.out.printf(Locale.ROOT, "| %s | %,.1f MB/s (**%.3f**) | %,.1f MB/s (%.3f) | %.0f µs (%+.0f µs)"
                            + " | %.0f µs (%+.0f µs) | %.0f µs |%n", route.name(), stream,
                    stream / median(figures[b], Figures::streamMBps), perMessage,
                    perMessage / median(figures[b], Figures::perMessageMBps), fetch,
                    fetch - median(figures[b], Figures::fetchMicros), noop,
                    noop - median(figures[b], Figures::noopMicros), cpu);
        }
    }

    private static void deliverMessages(final DovecotServer dovecot) throws IOException {
        final StringBuilder body = new StringBuilder();
        while (body.length() < MESSAGE_BYTES) {
            body.append("z".repeat(76)).append("\r\n");
        }
        for (int i = 0; i < MESSAGES; i++) {
            LmtpClient.deliver(dovecot.lmtpPort(), "s@example.org", "bench", "Subject: " + i + "\r\n\r\n" + body);
        }
    }

    /** A proxy to Dovecot's plain port, listening plain ({@code serverTls} null) or with implicit TLS. */
    private static ImapProxyServer proxy(final DovecotServer dovecot, final SslContext serverTls) throws IOException {
        final RegistrationSink sink = new RegistrationSink() {
            @Override
            public String topic() {
                return "com.apple.mail.XServer.BENCH";
            }

            @Override
            public CompletableFuture<Void> register(final Registration registration) {
                return CompletableFuture.completedFuture(null);
            }
        };
        // The defaults an install gets (client address forwarded by ID, ...), but for the connection limit.
        final ImapProxySettings settings = ImapProxySettings.builder().serverTls(serverTls).allowPlainLogin(true)
                .upstream("127.0.0.1", dovecot.imapPort()).maxConnections(1_000).build();
        return ImapProxyServer.start(settings, sink,
                List.of(new ImapProxyServer.Port(new InetSocketAddress("127.0.0.1", 0), serverTls != null)));
    }

    private static SslContext serverTls(final ExamplePki pki, final SslProvider provider) throws IOException {
        return SslContextBuilder.forServer(pki.serverCertificateFile().toFile(), pki.serverKeyFile().toFile())
                .sslProvider(provider).build();
    }

    /** The benchmark client's TLS (the JDK's, the same on every TLS route), trusting the example CA. */
    private static SocketFactory clientTls(final Path caCertificate) throws Exception {
        final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCertificate)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        final TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    /** One session: login, select, fetch every message, the whole mailbox, NOOPs. */
    private static Figures session(final Route route) throws IOException {
        final long cpuBefore = cpuNanos(route.threads());
        try (Socket socket = route.sockets().createSocket("127.0.0.1", route.port())) {
            socket.setTcpNoDelay(true);
            if (socket instanceof SSLSocket tlsSocket) {
                tlsSocket.startHandshake();
            }
            final InputStream in = new BufferedInputStream(socket.getInputStream(), 65_536);
            final OutputStream out = socket.getOutputStream();
            readLine(in);
            command(in, out, "a LOGIN bench " + DovecotServer.PASSWORD);
            command(in, out, "b SELECT INBOX");
            final LatencyHistogram fetches = new LatencyHistogram();
            long bytes = 0;
            final long started = System.nanoTime();
            for (int uid = 1; uid <= MESSAGES; uid++) {
                final long before = System.nanoTime();
                bytes += command(in, out, "f" + uid + " UID FETCH " + uid + " (BODY.PEEK[])");
                fetches.record(System.nanoTime() - before);
            }
            final double seconds = (System.nanoTime() - started) / 1e9;
            // The whole mailbox in one command: the server streams, the proxy relays as it reads.
            final long streamStarted = System.nanoTime();
            final long streamed = command(in, out, "s UID FETCH 1:* (BODY.PEEK[])");
            final double streamSeconds = (System.nanoTime() - streamStarted) / 1e9;
            final LatencyHistogram noops = new LatencyHistogram();
            for (int i = 0; i < NOOPS; i++) {
                final long before = System.nanoTime();
                command(in, out, "n" + i + " NOOP");
                noops.record(System.nanoTime() - before);
            }
            command(in, out, "z LOGOUT");
            final double megabytes = (bytes + streamed) / 1e6;
            return new Figures(bytes / seconds / 1e6, streamed / streamSeconds / 1e6,
                    fetches.percentile(50) / 1e3, noops.percentile(50) / 1e3,
                    (cpuNanos(route.threads()) - cpuBefore) / 1e3 / megabytes);
        }
    }

    /** Sends a command and reads up to its tagged answer, literals included; returns the bytes read. */
    private static long command(final InputStream in, final OutputStream out, final String command)
            throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final String tag = command.substring(0, command.indexOf(' '));
        long bytes = 0;
        while (true) {
            final String line = readLine(in);
            bytes += line.length();
            if (line.endsWith("}\r\n")) {
                final int open = line.lastIndexOf('{');
                final int length = Integer.parseInt(line.substring(open + 1, line.length() - 3));
                in.skipNBytes(length);
                bytes += length;
                continue;
            }
            if (line.startsWith(tag + " ")) {
                if (!line.startsWith(tag + " OK")) {
                    throw new IOException(command + ": " + line);
                }
                return bytes;
            }
        }
    }

    private static String readLine(final InputStream in) throws IOException {
        final StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            line.append((char) b);
            if (b == '\n') {
                return line.toString();
            }
        }
        throw new IOException("connection closed");
    }

    private static int indexOf(final List<Route> routes, final String name) {
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static double median(final Figures[] rounds, final java.util.function.ToDoubleFunction<Figures> value) {
        final double[] values = Arrays.stream(rounds).mapToDouble(value).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
