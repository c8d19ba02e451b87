package org.mailpush.benchmarks;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
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
                final Runs runs = new Runs(cyrus, bare, credential.topic(), acceptedAt, accepted, opsPort);
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

    /** The runs, against the running service and bare Pushy, on the same peer. */
    private static final class Runs {

        private final NotifyDatagramSender cyrus;
        private final ApnsClient bare;
        private final String topic;
        private final AtomicLongArray acceptedAt;
        private final AtomicLong accepted;
        private final int opsPort;
        private final HttpClient http = HttpClient.newHttpClient();
        /**
         * Devices of one-device users, taken in turn (user ui has device i): distinct within a run; a device comes
         * round again only after 100,000 others, long past its new-mail window, so each event is one push, at once.
         */
        private int deviceCounter;
        private int bareCounter;
        /** The next user without a device to send mail to. */
        private int nextNobody = ONE_DEVICE_USERS + SIX_DEVICE_USERS;

        Runs(final NotifyDatagramSender cyrus, final ApnsClient bare, final String topic,
             final AtomicLongArray acceptedAt, final AtomicLong accepted, final int opsPort) {
            this.cyrus = cyrus;
            this.bare = bare;
            this.topic = topic;
            this.acceptedAt = acceptedAt;
            this.accepted = accepted;
            this.opsPort = opsPort;
        }

        private static byte[] newMail(final String user) {
            return NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\",\"timestamp\":"
                    + "\"2026-12-01T12:00:00.000Z\",\"uri\":\"imap://bench/user/" + user
                    + ";UIDVALIDITY=1/;UID=1\",\"pid\":1,\"user\":\"" + user
                    + "\",\"vnd.cmu.mbtype\":\"e\",\"serverFQDN\":\"bench\"}");
        }

        private static byte[] registration(final String user, final int device) {
            return NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"pid\":1,\"user\":\""
                    + user + "\",\"apsVersion\":2,\"apsAccountId\":\"ACC-HERD-" + device + "\",\"apsDeviceToken\":\""
                    + token(device) + "\",\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\"]}");
        }

        private int nextDevice() {
            return deviceCounter++ % ONE_DEVICE_USERS;
        }

        private String nobody() {
            final String user = "u" + nextNobody++;
            if (nextNobody >= USERS_GETTING_MAIL) {
                nextNobody = ONE_DEVICE_USERS + SIX_DEVICE_USERS;
            }
            return user;
        }

        /**
         * Both sides through the JIT first: with only a few thousand events the first measured run was a third as
         * fast as the second (C2 still compiling, on the same two cores).
         */
        void warmUp() throws Exception {
            final long before = accepted.get();
            for (int i = 0; i < WARM_UP; i++) {
                cyrus.sendWithoutWaiting(newMail("u" + nextDevice()), false);
                cyrus.sendWithoutWaiting(newMail(nobody()), false);
            }
            cyrus.flush();
            await(() -> accepted.get() - before >= WARM_UP, 120);
            final Semaphore inFlight = new Semaphore(1_000);
            final AtomicLong bareDone = new AtomicLong();
            for (int i = 0; i < WARM_UP; i++) {
                bareSend(inFlight, bareDone);
            }
            // All answered before a run starts: a late bare push must not count as one of the service's.
            await(() -> bareDone.get() >= WARM_UP, 120);
        }

        /** Until {@code due} (System.nanoTime): parked, not spinning, so pacing does not take a core of two. */
        private static void pace(final long due) {
            for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
        }

        /** (a) N distinct devices, one event each, as fast as the socket takes them; then bare Pushy, N pushes. */
        void throughput(final int n) throws Exception {
            final int[] devices = new int[n];
            final long started = System.nanoTime();
            for (int i = 0; i < n; i++) {
                devices[i] = nextDevice();
                cyrus.sendWithoutWaiting(newMail("u" + devices[i]), false);
            }
            cyrus.flush();
            final long sent = System.nanoTime();
            // Done when every device of the run has been pushed (not when the peer counted n of anything).
            final int[] pushedSoFar = {0};
            try {
                await(() -> {
                    while (pushedSoFar[0] < n && acceptedAt.get(devices[pushedSoFar[0]]) >= started) {
                        pushedSoFar[0]++;
                    }
                    return pushedSoFar[0] == n;
                }, 300);
            } catch (final IllegalStateException e) {
                int missing = 0;
                for (final int d : devices) {
                    missing += acceptedAt.get(d) >= started ? 0 : 1;
                }
                throw new IllegalStateException("N=" + n + ": " + missing + " devices not pushed in 300 s, the first"
                        + " one the " + pushedSoFar[0] + "th (device " + devices[pushedSoFar[0]] + "); " + shed()
                        + "; " + sum("mailpush_events_received_total") + " events received", e);
            }
            final long done = System.nanoTime();
            final int pushed = pushedSoFar[0];
            final double serviceRate = n / ((done - started) / 1e9);
            final Semaphore inFlight = new Semaphore(1_000);
            final long bareStarted = System.nanoTime();
            final AtomicLong bareDone = new AtomicLong();
            for (int i = 0; i < n; i++) {
                bareSend(inFlight, bareDone);
            }
            await(() -> bareDone.get() >= n, 300);
            final double bareRate = n / ((System.nanoTime() - bareStarted) / 1e9);
            System.out.printf(Locale.ROOT, "(a) N=%,d: service %,.0f pushes/s (datagrams sent in %.2f s, %,d of %,d"
                            + " devices pushed); bare Pushy %,.0f pushes/s; ratio %.3f%n", n, serviceRate,
                    (sent - started) / 1e9, pushed, n, bareRate, serviceRate / bareRate);
        }

        private void bareSend(final Semaphore inFlight, final AtomicLong done) throws InterruptedException {
            inFlight.acquire();
            bare.sendNotification(new SimpleApnsPushNotification(token(BARE_FIRST + bareCounter++ % BARE_DEVICES),
                    topic,
                    "{\"aps\":{\"account-id\":\"BENCH\"}}", Instant.now().plus(Duration.ofHours(1)), null,
                    PushType.BACKGROUND)).whenComplete((response, error) -> {
                        inFlight.release();
                        if (done != null) {
                            done.incrementAndGet();
                        }
                    });
        }

        /** (b) a paced rate for some seconds: each event for another device, nine of ten for users without one. */
        void latency(final int perSecond, final int seconds) throws Exception {
            final int total = perSecond * seconds;
            final int[] devices = new int[total / 10 + 1];
            final long[] sentAt = new long[devices.length];
            int deviceEvents = 0;
            final long interval = 1_000_000_000L / perSecond;
            final long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                pace(start + i * interval);
                if (i % 10 == 0) {
                    devices[deviceEvents] = nextDevice();
                    sentAt[deviceEvents] = System.nanoTime();
                    cyrus.sendWithoutWaiting(newMail("u" + devices[deviceEvents]), true);
                    deviceEvents++;
                } else {
                    cyrus.sendWithoutWaiting(newMail(nobody()), true);
                }
            }
            cyrus.flush();
            final int measured = deviceEvents;
            await(() -> acceptedAt.get(devices[measured - 1]) > sentAt[measured - 1], 120);
            Thread.sleep(500);
            final LatencyHistogram service = new LatencyHistogram();
            int missing = 0;
            for (int i = 0; i < measured; i++) {
                final long at = acceptedAt.get(devices[i]);
                if (at <= sentAt[i]) {
                    missing++;
                } else {
                    service.record(at - sentAt[i]);
                }
            }
            // Bare Pushy at the same rate of pushes the service made (one in ten events): send to answer.
            final LatencyHistogram bareLatency = new LatencyHistogram();
            final long bareInterval = 1_000_000_000L / Math.max(1, perSecond / 10);
            final Semaphore inFlight = new Semaphore(1_000);
            final AtomicLong answered = new AtomicLong();
            final int[] bareDevices = new int[measured];
            final long[] bareSentAt = new long[measured];
            final long bareStart = System.nanoTime();
            for (int i = 0; i < measured; i++) {
                pace(bareStart + i * bareInterval);
                inFlight.acquire();
                bareDevices[i] = BARE_FIRST + bareCounter++ % BARE_DEVICES;
                bareSentAt[i] = System.nanoTime();
                bare.sendNotification(new SimpleApnsPushNotification(token(bareDevices[i]), topic,
                        "{\"aps\":{\"account-id\":\"BENCH\"}}", Instant.now().plus(Duration.ofHours(1)), null,
                        PushType.BACKGROUND)).whenComplete((response, error) -> {
                            inFlight.release();
                            answered.incrementAndGet();
                        });
            }
            await(() -> answered.get() >= measured, 60);
            // As for the service: from sending to the peer's accepting.
            for (int i = 0; i < measured; i++) {
                final long at = acceptedAt.get(bareDevices[i]);
                if (at > bareSentAt[i]) {
                    bareLatency.record(at - bareSentAt[i]);
                }
            }
            System.out.printf(Locale.ROOT, "(b) %,d events/s for %d s (%,d pushes, %d not pushed): service p50 %.2f ms"
                            + " p99 %.2f ms p99.9 %.2f ms max %.2f ms; bare Pushy at %,d pushes/s p50 %.2f ms p99 %.2f"
                            + " ms p99.9 %.2f ms%n", perSecond, seconds, measured, missing,
                    service.percentile(50) / 1e6, service.percentile(99) / 1e6, service.percentile(99.9) / 1e6,
                    service.percentile(100) / 1e6, perSecond / 10, bareLatency.percentile(50) / 1e6,
                    bareLatency.percentile(99) / 1e6, bareLatency.percentile(99.9) / 1e6);
        }

        /** (c) 20,000 new registrations at once, a new mail after every 100 (for devices registered long ago). */
        void herd() throws Exception {
            final double addedBefore = metric("mailpush_registration_changes_total{change=\"added\"}");
            final LatencyHistogram newMail = new LatencyHistogram();
            final List<long[]> mails = new ArrayList<>();
            final long started = System.nanoTime();
            for (int i = 0; i < HERD; i++) {
                cyrus.sendWithoutWaiting(registration("herd" + i, REGISTRATIONS + i), false);
                if (i % 100 == 0) {
                    final int device = nextDevice();
                    mails.add(new long[]{device, System.nanoTime()});
                    cyrus.sendWithoutWaiting(newMail("u" + device), true);
                    cyrus.sendWithoutWaiting(newMail(nobody()), true);
                }
            }
            cyrus.flush();
            final long sent = System.nanoTime();
            await(() -> metricQuietly("mailpush_registration_changes_total{change=\"added\"}") - addedBefore >= HERD,
                    600);
            final long stored = System.nanoTime();
            await(() -> acceptedAt.get((int) mails.get(mails.size() - 1)[0]) > mails.get(mails.size() - 1)[1], 60);
            for (final long[] mail : mails) {
                final long at = acceptedAt.get((int) mail[0]);
                if (at > mail[1]) {
                    newMail.record(at - mail[1]);
                }
            }
            System.out.printf(Locale.ROOT, "(c) herd of %,d registrations: sent in %.2f s, all stored %.2f s after the"
                            + " first; %d new mails among them: p50 %.1f ms p99 %.1f ms max %.1f ms%n", HERD,
                    (sent - started) / 1e9, (stored - started) / 1e9, mails.size(), newMail.percentile(50) / 1e6,
                    newMail.percentile(99) / 1e6, newMail.percentile(100) / 1e6);
        }

        String shed() throws IOException, InterruptedException {
            return String.format(Locale.ROOT, "shed: events %.0f, pushes %.0f, registrations refused %.0f",
                    sum("mailpush_events_shed_total"), sum("mailpush_pushes_shed_total"),
                    sum("mailpush_registrations_refused_total"));
        }

        private double metricQuietly(final String name) {
            try {
                return metric(name);
            } catch (final IOException | InterruptedException e) {
                return -1;
            }
        }

        private double metric(final String line) throws IOException, InterruptedException {
            for (final String l : scrape().split("\n")) {
                if (l.startsWith(line + " ")) {
                    return Double.parseDouble(l.substring(line.length() + 1).strip());
                }
            }
            return 0;
        }

        private double sum(final String family) throws IOException, InterruptedException {
            double total = 0;
            for (final String l : scrape().split("\n")) {
                if (l.startsWith(family + " ") || l.startsWith(family + "{")) {
                    total += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                }
            }
            return total;
        }

        private String scrape() throws IOException, InterruptedException {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }

        private static void await(final BooleanSupplier condition, final int seconds) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not done within " + seconds + " s");
                }
                Thread.sleep(2);
            }
        }
    }

    /** The service's RSS (from /proc) and used heap (from its /metrics), every second. */
    private static final class MemorySampler {

        private final long pid;
        private final int opsPort;
        private final HttpClient http = HttpClient.newHttpClient();
        private final List<long[]> samples = new ArrayList<>();
        private volatile boolean running;
        private Thread thread;

        MemorySampler(final long pid, final int opsPort) {
            this.pid = pid;
            this.opsPort = opsPort;
        }

        void start() {
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    try {
                        samples.add(new long[]{rss(), heap()});
                        // A scrape is not free (about 0.5 MB of garbage): once a second, not ten times, so that
                        // the sampler does not become what it measures.
                        Thread.sleep(1_000);
                    } catch (final Exception e) {
                        return;
                    }
                }
            }, "memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.join(2_000);
            }
        }

        private long rss() throws IOException {
            for (final String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            return 0;
        }

        private long heap() throws IOException, InterruptedException {
            long total = 0;
            for (final String l : http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
                if (l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\"")) {
                    total += (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                }
            }
            return total;
        }

        String report() {
            if (samples.isEmpty()) {
                return "(d) no memory samples";
            }
            long maxRss = 0;
            long maxHeap = 0;
            for (final long[] s : samples) {
                maxRss = Math.max(maxRss, s[0]);
                maxHeap = Math.max(maxHeap, s[1]);
            }
            final int tenth = Math.max(1, samples.size() / 10);
            final long firstHeap = samples.subList(0, tenth).stream().mapToLong(s -> s[1]).min().orElse(0);
            final long lastHeap = samples.subList(samples.size() - tenth, samples.size()).stream()
                    .mapToLong(s -> s[1]).min().orElse(0);
            return String.format(Locale.ROOT, "(d) service (-Xmx256m): RSS max %.0f MiB; heap used max %.0f MiB,"
                            + " lowest in the first tenth %.0f MiB, in the last tenth %.0f MiB (%d samples)",
                    maxRss / 1048576.0, maxHeap / 1048576.0, firstHeap / 1048576.0, lastHeap / 1048576.0,
                    samples.size());
        }
    }
}
