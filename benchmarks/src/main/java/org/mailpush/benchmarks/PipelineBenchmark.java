package org.mailpush.benchmarks;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.credentials.CertificateCredential;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole service at load, end to end: {@code mailpush run} as a process of its own, fed over the real Cyrus
 * notify socket, pushing to a Pushy {@link MockApnsServer} on loopback that accepts everything; bare Pushy against the
 * same peer is the baseline, in the same run.
 *
 * <p>The store holds 1,000,000 registrations: users {@code u0 .. u99999} with one device each (the devices the
 * throughput and latency runs push, one push per event, no coalescing), {@code u100000 .. u249999} with six each. Mail
 * goes to 2,500,000 users: nine events in ten, in the latency and herd runs, are for users without a device (most
 * users of a real site), which must cost no database work.</p>
 * <ul>
 *   <li>(a) throughput: N events for N distinct devices, sent as fast as the socket takes them; against bare Pushy
 *       sending N pushes with 1,000 in flight;</li>
 *   <li>(b) latency at a paced 1,000 and 5,000 events/s, event to the peer's acceptance; bare Pushy paced alike;</li>
 *   <li>(c) a herd of 20,000 registrations at once (every phone reconnecting) with new mail among them: time until
 *       all are stored, and the new mail's latency meanwhile;</li>
 *   <li>(d) the service's heap and RSS, sampled every second.</li>
 * </ul>
 *
 * <p>This class starts the peer, seeds the store and runs the service; the runs are {@link PipelineRuns}, the
 * samples {@link MemorySampler}.</p>
 *
 * <p>Run: {@code benchmarks/run pipeline [h2|postgresql] [N,N...]} (defaults h2 and 20000,100000); PostgreSQL needs
 * the {@code .ci/run} database. Needs the service's jar built ({@code server/target/mailpush.jar}). Not a test:
 * nothing asserts a time; figures go to docs/benchmarks.md.</p>
 */
public final class PipelineBenchmark {

    static final int ONE_DEVICE_USERS = 100_000;
    static final int SIX_DEVICE_USERS = 150_000;
    static final int USERS_GETTING_MAIL = 2_500_000;
    static final int REGISTRATIONS = ONE_DEVICE_USERS + 6 * SIX_DEVICE_USERS;
    static final int HERD = 20_000;
    /** Bare Pushy's pushes go to devices of their own, so the peer notes their arrival as it does the service's. */
    static final int BARE_FIRST = REGISTRATIONS + HERD;
    static final int BARE_DEVICES = 100_000;
    static final int WARM_UP = 30_000;
    private static final Pattern TOKEN_INDEX = Pattern.compile("^f([0-9a-f]{63})$");

    private PipelineBenchmark() {
    }

    /** The token of device {@code index} (64 hex digits, all distinct, "f" first so as not to look like a count). */
    static String token(final long index) {
        return "f" + String.format(Locale.ROOT, "%063x", index);
    }

    /** The index a token was made from, -1 for another. */
    static int index(final String token) {
        final Matcher m = TOKEN_INDEX.matcher(token);
        return m.matches() ? (int) Long.parseLong(m.group(1).substring(47), 16) : -1;
    }

    public static void main(final String[] args) throws Exception {
        final String engine = args.length > 0 ? args[0] : "h2";
        final List<Integer> sizes = new ArrayList<>();
        for (final String n : (args.length > 1 ? args[1] : "20000,100000").split(",")) {
            sizes.add(Integer.parseInt(n.strip()));
        }
        final Path root = Path.of(System.getProperty("mailpush.root", ".")).toAbsolutePath().normalize();
        final Path jar = root.resolve("server/target/mailpush.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -DskipTests package)");
        }
        final Path dir = Files.createTempDirectory("mailpush-pipeline-");
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final CertificateCredential credential = CredentialLoader.loadPkcs12(pki.client().p12File(),
                ExamplePki.PASSWORD.toCharArray());

        // The peer: accepts everything, and notes when each device's push arrived.
        final AtomicLongArray acceptedAt = new AtomicLongArray(BARE_FIRST + BARE_DEVICES);
        final AtomicLong accepted = new AtomicLong();
        final NioEventLoopGroup serverLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-apns", true));
        final MockApnsServer peer = new MockApnsServerBuilder()
                .setServerCredentials(pki.serverCertificateFile().toFile(), pki.serverKeyFile().toFile(), null)
                .setTrustedClientCertificateChain(pki.caCertificateFile().toFile())
                .setHandlerFactory(new AcceptAllPushNotificationHandlerFactory())
                .setListener(new MockApnsServerListener() {
                    @Override
                    public void handlePushNotificationAccepted(final Http2Headers headers,
                                                               final io.netty.buffer.ByteBuf payload) {
                        final long now = System.nanoTime();
                        final CharSequence path = headers.path();
                        final int i = path == null ? -1 : index(path.toString().substring("/3/device/".length()));
                        if (i >= 0 && i < acceptedAt.length()) {
                            acceptedAt.set(i, now); // the latest push to the device: a device may come round again
                        }
                        accepted.incrementAndGet();
                    }

                    @Override
                    public void handlePushNotificationRejected(final Http2Headers headers,
                                                               final io.netty.buffer.ByteBuf payload,
                                                               final com.eatthepath.pushy.apns.server.RejectionReason
                                                                       reason, final Instant deviceTokenExpiration) {
                    }
                })
                .setEventLoopGroup(serverLoop)
                .build();
        final int apnsPort = peer.start(0).get(10, TimeUnit.SECONDS);

        final String storeUrl = engine.equals("h2") ? "jdbc:h2:file:" + dir.resolve("tokens")
                : System.getenv().getOrDefault("MAILPUSH_TEST_PG_URL",
                        "jdbc:postgresql://127.0.0.1:5432/mailpush_test");
        seed(storeUrl, engine, credential.topic());

        final int opsPort = freePort();
        final Path socket = dir.resolve("notify");
        final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "store:",
                "  url: " + storeUrl,
                engine.equals("h2") ? "" : "  user: mailpush",
                engine.equals("h2") ? "" : "  password-file: " + passwordFile(dir),
                "cyrus:",
                "  notify-socket: " + socket,
                "apns:",
                "  host: localhost",
                "  port: " + apnsPort,
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                "http:",
                "  listen: 127.0.0.1:" + opsPort,
                ""));
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms256m", "-Xmx256m"));
        // MAILPUSH_BENCH_SERVICE_JAVA_OPTS: more JVM options for the service (how the collectors were compared).
        final String serviceOptions = System.getenv("MAILPUSH_BENCH_SERVICE_JAVA_OPTS");
        if (serviceOptions != null && !serviceOptions.isBlank()) {
            command.addAll(List.of(serviceOptions.strip().split("\\s+")));
        }
        // MAILPUSH_BENCH_JFR=/path/rec.jfr records the service with Java Flight Recorder (how the tail was found).
        final String jfr = System.getenv("MAILPUSH_BENCH_JFR");
        jdk.jfr.Recording ownRecording = null;
        if (jfr != null && !jfr.isBlank()) {
            command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
            // This process too (the sender, the peer, bare Pushy): what limits the run may be on this side.
            ownRecording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            ownRecording.setDestination(Path.of(jfr + ".bench.jfr"));
            ownRecording.start();
        }
        command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString(), "--allow-root"));
        final Process service = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile()).start();
        final MemorySampler memory = new MemorySampler(service.pid(), opsPort);
        try {
            awaitReady(opsPort, service, dir.resolve("service.log"));
            memory.start();
            final NioEventLoopGroup bareLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-bare", true));
            final ApnsClient bare = new ApnsClientBuilder()
                    .setApnsServer("localhost", apnsPort)
                    .setTrustedServerCertificateChain(pki.caCertificateFile().toFile())
                    .setClientCredentials(credential.certificate(), credential.privateKey(), null)
                    .setEventLoopGroup(bareLoop)
                    .build();
            try (NotifyDatagramSender cyrus = new NotifyDatagramSender(socket)) {
                final PipelineRuns runs = new PipelineRuns(cyrus, bare, credential.topic(), acceptedAt, accepted,
                        opsPort);
                System.out.printf(Locale.ROOT, "pipeline on %s: %,d registrations (%,d users with devices), mail for"
                                + " %,d users; %d cores; %s%n", engine, REGISTRATIONS,
                        ONE_DEVICE_USERS + SIX_DEVICE_USERS, USERS_GETTING_MAIL,
                        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
                // Cyrus's socket: how many datagrams the kernel queues for the reader before a sender waits.
                System.out.println("net.unix.max_dgram_qlen = "
                        + Files.readAllLines(Path.of("/proc/sys/net/unix/max_dgram_qlen")).get(0).strip());
                runs.warmUp();
                for (final int n : sizes) {
                    runs.throughput(n);
                }
                runs.latency(1_000, 10);
                runs.latency(5_000, 10);
                runs.herd();
                System.out.println(runs.shed());
            } finally {
                bare.close().get(10, TimeUnit.SECONDS);
                bareLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        } finally {
            memory.stop();
            System.out.println(memory.report());
            service.destroy();
            service.waitFor(20, TimeUnit.SECONDS);
            peer.shutdown().get(10, TimeUnit.SECONDS);
            serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (ownRecording != null) {
                ownRecording.stop();
                ownRecording.close();
            }
            deleteRecursively(dir); // a 1,000,000-registration H2 file is about 2 GB
        }
    }

    private static void deleteRecursively(final Path dir) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** 1,000,000 registrations, written in one pass (a restore) so that every run starts from the same store. */
    private static void seed(final String url, final String engine, final String topic) {
        final long started = System.nanoTime();
        final TokenStoreBuilder builder = new TokenStoreBuilder().url(url);
        if (!engine.equals("h2")) {
            builder.credentials("mailpush", System.getenv().getOrDefault("MAILPUSH_TEST_PG_PASSWORD", "mailpush"));
        }
        try (TokenStore opened = builder.cache(TokenStoreBuilder.CacheMode.OFF, 1, Duration.ofMinutes(1)).build()) {
            final RegistrationStore store = opened.registrations();
            final Instant now = Instant.now();
            final Iterable<Registration> all = () -> new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < REGISTRATIONS;
                }

                @Override
                public Registration next() {
                    final int i = next++;
                    final int user = i < ONE_DEVICE_USERS ? i : ONE_DEVICE_USERS + (i - ONE_DEVICE_USERS) / 6;
                    return Registration.of("u" + user, "ACC-" + i, token(i), "com.apple.mobilemail", 2,
                            Set.of("INBOX"), topic, now);
                }
            };
            store.importRegistrations(all, RegistrationStore.ImportMode.REPLACE);
            System.out.printf(Locale.ROOT, "seeded %,d registrations in %.1f s%n", store.count(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    private static Path passwordFile(final Path dir) throws IOException {
        final Path file = dir.resolve("db.pass");
        Files.writeString(file, System.getenv().getOrDefault("MAILPUSH_TEST_PG_PASSWORD", "mailpush") + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void awaitReady(final int opsPort, final Process service, final Path log) throws Exception {
        final HttpClient http = HttpClient.newHttpClient();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("mailpush run ended: " + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (final IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("mailpush run not ready in 120 s: " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
