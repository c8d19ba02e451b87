package org.mailpush.benchmarks;

import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.Registration;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.LmtpClient;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the shipped Lua script costs a Dovecot delivery. Two Dovecots from the same packages in one run: one without
 * push_notification, one with {@code docs/dovecot/mailpush.lua} posting to a running mailpush (intake, router, H2
 * store with a registered device, pusher to a loopback APNs). The same LMTP deliveries go to both, rounds alternate
 * which goes first; per-delivery latency medians and p90 are compared. A last pass stops mailpush to show what a
 * delivery costs while it is down (connection refused).
 *
 * <p>Run: {@code benchmarks/run dovecot [DELIVERIES] [ROUNDS]} (defaults 300 and 5), as root. Not a test: nothing
 * asserts; figures go to docs/benchmarks.md.</p>
 */
public final class DovecotDeliveryBenchmark {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";

    private DovecotDeliveryBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final int deliveries = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final Path dir = Files.createTempDirectory("mailpush-dovecot-bench-");
        final Path script = findScript();
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final int intakePort = freePort();
        try (LoopbackApnsServer apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                pki.caCertificateFile(), 0);
             DovecotServer plain = DovecotServer.start(Files.createDirectories(dir.resolve("plain")),
                     List.of("bench"), List.of());
             DovecotServer withLua = DovecotServer.start(Files.createDirectories(dir.resolve("lua")),
                     List.of("bench"), luaLines(dir.resolve("lua"), script, intakePort))) {
            apns.allow(pki.client().topic(), TOKEN);
            final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                    "store:",
                    "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                    "intake:",
                    "  listen: 127.0.0.1:" + intakePort,
                    "apns:",
                    "  host: localhost",
                    "  port: " + apns.port(),
                    "  trust: " + pki.caCertificateFile(),
                    "  credentials:",
                    "    - p12: " + pki.client().p12File(),
                    "      password-file: " + pki.client().p12PasswordFile(),
                    "http:",
                    "  listen: 127.0.0.1:0",
                    ""));
            final MailpushService mailpush = MailpushService.start(ConfigLoader.load(config));
            mailpush.registrations().register(Registration.of("bench", "ACC", TOKEN, "com.apple.mobilemail", 2,
                    Set.of("INBOX"), pki.client().topic(), Instant.now()));
            System.out.printf(Locale.ROOT, "LMTP delivery to Dovecot 2.3 without push_notification vs with the"
                            + " mailpush Lua driver (mailpush up, 1 registered device): %d deliveries per run,"
                            + " %d rounds, loopback, %d cores%n", deliveries, rounds,
                    Runtime.getRuntime().availableProcessors());
            run(plain, deliveries / 10);
            run(withLua, deliveries / 10);
            final double[][] without = new double[rounds][];
            final double[][] with = new double[rounds][];
            for (int round = 0; round < rounds; round++) {
                if (round % 2 == 0) {
                    without[round] = run(plain, deliveries);
                    with[round] = run(withLua, deliveries);
                } else {
                    with[round] = run(withLua, deliveries);
                    without[round] = run(plain, deliveries);
                }
                System.out.printf(Locale.ROOT, "round %d: median %.2f ms without, %.2f ms with (+%.2f); p90 %.2f /"
                                + " %.2f ms%n", round + 1, without[round][0], with[round][0],
                        with[round][0] - without[round][0], without[round][1], with[round][1]);
            }
            final long pushes = apns.receivedFor(TOKEN).size();
            mailpush.close();
            final double[] down = run(withLua, deliveries / 3);
            System.out.printf(Locale.ROOT, "median of rounds: per delivery %.2f ms without, %.2f ms with the Lua"
                            + " driver: added %.2f ms (target <= 5 ms); p90 %.2f / %.2f ms; %d pushes sent;"
                            + " with mailpush stopped: median %.2f ms, p90 %.2f ms per delivery%n",
                    median(without, 0), median(with, 0), median(with, 0) - median(without, 0), median(without, 1),
                    median(with, 1), pushes, down[0], down[1]);
        }
    }

    /** Delivers {@code count} messages, one LMTP session each; returns median and p90 in ms. */
    private static double[] run(final DovecotServer dovecot, final int count) throws Exception {
        final LatencyHistogram latencies = new LatencyHistogram();
        for (int i = 0; i < count; i++) {
            final long before = System.nanoTime();
            LmtpClient.deliver(dovecot.lmtpPort(), "s@example.org", "bench",
                    "From: s@example.org\r\nSubject: " + i + "\r\n\r\nA short message.\r\n");
            latencies.record(System.nanoTime() - before);
        }
        return new double[]{latencies.percentile(50) / 1e6, latencies.percentile(90) / 1e6};
    }

    private static List<String> luaLines(final Path base, final Path script, final int intakePort)
            throws Exception {
        final Path copy = Files.copy(script, base.resolve("mailpush.lua"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        return List.of(
                "mail_plugins = $mail_plugins mail_lua notify push_notification push_notification_lua",
                "plugin {",
                "  push_notification_driver = lua:file=" + copy,
                "  mailpush_url = http://127.0.0.1:" + intakePort,
                "}");
    }

    private static Path findScript() {
        for (final Path candidate : List.of(Path.of("docs/dovecot/mailpush.lua"),
                Path.of("../docs/dovecot/mailpush.lua"))) {
            if (Files.exists(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException("run from the repository root: docs/dovecot/mailpush.lua not found");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static double median(final double[][] rounds, final int index) {
        final double[] values = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++) {
            values[i] = rounds[i][index];
        }
        Arrays.sort(values);
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
