package org.mailpush.benchmarks;

import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.imap.proxy.RegistrationSink;
import org.mailpush.store.Registration;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.LmtpClient;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A FETCH-heavy IMAP session through the proxy and directly to the same Dovecot, in one run: 50 messages of 100 KB
 * fetched whole, command after command, then 2,000 NOOPs (pure per-command cost). Plain connections on both legs so
 * that the proxy's own cost is measured, not TLS. Rounds alternate which goes first; medians are printed.
 *
 * <p>Run: {@code benchmarks/run proxy [ROUNDS]} (default 5), as root (it starts Dovecot from a temporary folder,
 * as the interop tests do). Not a test: nothing asserts; figures go to docs/benchmarks.md.</p>
 */
public final class ProxyBenchmark {

    private static final int MESSAGES = 50;
    private static final int MESSAGE_BYTES = 100_000;
    private static final int NOOPS = 2_000;

    private ProxyBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final Path dir = Files.createTempDirectory("mailpush-proxy-bench-");
        try (DovecotServer dovecot = DovecotServer.start(dir, List.of("bench"), List.of())) {
            final StringBuilder body = new StringBuilder();
            while (body.length() < MESSAGE_BYTES) {
                body.append("z".repeat(76)).append("\r\n");
            }
            for (int i = 0; i < MESSAGES; i++) {
                LmtpClient.deliver(dovecot.lmtpPort(), "s@example.org", "bench", "Subject: " + i + "\r\n\r\n" + body);
            }
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
            final ImapProxySettings settings = new ImapProxySettings(null, true, "127.0.0.1", dovecot.imapPort(),
                    ImapProxySettings.UpstreamSecurity.NONE, null, false, 65_536, 256L << 20, 65_536, 16, 1_000,
                    Duration.ofMinutes(30), Duration.ofSeconds(5));
            try (ImapProxyServer proxy = ImapProxyServer.start(settings, sink,
                    List.of(new ImapProxyServer.Listener(new InetSocketAddress("127.0.0.1", 0), false)))) {
                final int proxyPort = proxy.addresses().get(0).getPort();
                System.out.printf(Locale.ROOT, "IMAP proxy vs direct to Dovecot %s: %d x FETCH of %d KB, %d NOOPs"
                                + " per run, %d rounds, plain connections on loopback, %d cores%n", "2.3", MESSAGES,
                        MESSAGE_BYTES / 1000, NOOPS, rounds, Runtime.getRuntime().availableProcessors());
                session(dovecot.imapPort());
                session(proxyPort);
                final double[][] direct = new double[rounds][];
                final double[][] proxied = new double[rounds][];
                for (int round = 0; round < rounds; round++) {
                    if (round % 2 == 0) {
                        direct[round] = session(dovecot.imapPort());
                        proxied[round] = session(proxyPort);
                    } else {
                        proxied[round] = session(proxyPort);
                        direct[round] = session(dovecot.imapPort());
                    }
                    System.out.printf(Locale.ROOT, "round %d: one FETCH per message: direct %.1f MB/s proxy %.1f MB/s"
                                    + " (%.3f); whole mailbox in one FETCH: direct %.1f MB/s proxy %.1f MB/s (%.3f);"
                                    + " median FETCH %.0f / %.0f µs; median NOOP %.0f / %.0f µs%n", round + 1,
                            direct[round][0], proxied[round][0], proxied[round][0] / direct[round][0],
                            direct[round][3], proxied[round][3], proxied[round][3] / direct[round][3],
                            direct[round][1], proxied[round][1], direct[round][2], proxied[round][2]);
                }
                final double directMbps = median(direct, 0);
                final double proxyMbps = median(proxied, 0);
                System.out.printf(Locale.ROOT, "median: whole-mailbox FETCH direct %.1f MB/s, through the proxy %.1f"
                                + " MB/s, ratio %.3f (target >= 0.9); one FETCH per message direct %.1f MB/s, proxy"
                                + " %.1f MB/s, ratio %.3f; added median latency per command: FETCH %.0f µs, NOOP %.0f"
                                + " µs (target <= 1000 µs)%n", median(direct, 3), median(proxied, 3),
                        median(proxied, 3) / median(direct, 3), directMbps, proxyMbps, proxyMbps / directMbps,
                        median(proxied, 1) - median(direct, 1), median(proxied, 2) - median(direct, 2));
            }
        }
    }

    /** One session: login, select, fetch every message, NOOPs. Returns MB/s, median FETCH µs, median NOOP µs. */
    private static double[] session(final int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
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
            return new double[]{bytes / seconds / 1e6, fetches.percentile(50) / 1e3, noops.percentile(50) / 1e3,
                    streamed / streamSeconds / 1e6};
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

    private static double median(final double[][] rounds, final int index) {
        final double[] values = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++) {
            values[i] = rounds[i][index];
        }
        java.util.Arrays.sort(values);
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
