package org.mailpush.benchmarks;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushKind;
import org.mailpush.pusher.credentials.CertificateCredential;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N pushes through mailpush's pusher and the same N through a bare Pushy client, in one run, to the same Pushy
 * {@link MockApnsServer} on loopback over TLS with a client certificate. Both keep at most 1,000 requests in flight
 * (Pushy's own buffer has no bound; a bare client needs the same semaphore the pusher has). Rounds alternate which
 * goes first; the medians and their ratio are printed.
 *
 * <p>Run: {@code benchmarks/run pusher [N] [ROUNDS]} (defaults 50,000 and 5). Not a test: nothing here asserts a
 * time; the figures go to docs/benchmarks.md.</p>
 */
public final class PusherBenchmark {

    private static final int IN_FLIGHT = 1_000;

    private PusherBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final Path dir = Files.createTempDirectory("mailpush-bench-");
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final CertificateCredential credential = CredentialLoader.loadPkcs12(pki.client().p12File(),
                ExamplePki.PASSWORD.toCharArray());
        final String topic = credential.topic();

        // Daemon threads: should a step throw, the benchmark ends instead of hanging on a live event loop.
        final NioEventLoopGroup serverLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-apns", true));
        final MockApnsServer server = new MockApnsServerBuilder()
                .setServerCredentials(pki.serverCertificateFile().toFile(), pki.serverKeyFile().toFile(), null)
                .setTrustedClientCertificateChain(pki.caCertificateFile().toFile())
                .setHandlerFactory(new AcceptAllPushNotificationHandlerFactory())
                .setEventLoopGroup(serverLoop)
                .build();
        final int port = server.start(0).get(10, TimeUnit.SECONDS);

        final NioEventLoopGroup clientLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("bench-bare", true));
        final ApnsClient bare = new ApnsClientBuilder()
                .setApnsServer("localhost", port)
                .setTrustedServerCertificateChain(pki.caCertificateFile().toFile())
                .setClientCredentials(credential.certificate(), credential.privateKey(), null)
                .setEventLoopGroup(clientLoop)
                .build();
        final TokenStore store = new TokenStoreBuilder().url("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1").build();
        final ApnsPusher pusher = ApnsPusher.builder()
                .apnsServer("localhost", port)
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(credential)
                .registrations(store.registrations())
                .maxPending(n)
                .maxInFlight(IN_FLIGHT)
                .reloadInterval(Duration.ZERO)
                .build();

        System.out.printf(Locale.ROOT, "mailpush pusher vs bare Pushy 0.15.4: %,d pushes per run, %d rounds,"
                        + " %d in flight at most, mock APNs on loopback (TLS, client certificate), %d cores, %s%n",
                n, rounds, IN_FLIGHT, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        int batch = 0;
        // Warm-up: both paths three times, not counted, so that both run JIT-compiled code when measured.
        for (int warmUp = 0; warmUp < 3; warmUp++) {
            runBare(bare, topic, n, batch++);
            runPusher(pusher, topic, n, batch++);
        }

        final double[] bareRates = new double[rounds];
        final double[] pusherRates = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            if (round % 2 == 0) {
                bareRates[round] = runBare(bare, topic, n, batch++);
                pusherRates[round] = runPusher(pusher, topic, n, batch++);
            } else {
                pusherRates[round] = runPusher(pusher, topic, n, batch++);
                bareRates[round] = runBare(bare, topic, n, batch++);
            }
            System.out.printf(Locale.ROOT, "round %d: bare Pushy %,.0f/s   pusher %,.0f/s   ratio %.3f%n", round + 1,
                    bareRates[round], pusherRates[round], pusherRates[round] / bareRates[round]);
        }
        final double bareMedian = median(bareRates);
        final double pusherMedian = median(pusherRates);
        final double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            ratios[round] = pusherRates[round] / bareRates[round];
        }
        System.out.printf(Locale.ROOT,
                "median: bare Pushy %,.0f pushes/s   pusher %,.0f pushes/s   ratio of medians %.3f"
                + "   median of round ratios %.3f (target >= 0.9)%n", bareMedian, pusherMedian,
                pusherMedian / bareMedian, median(ratios));
        System.out.printf(Locale.ROOT, "pusher counters: requests %,d accepted %,d coalesced %,d shed %,d%n",
                pusher.counters().requests(), pusher.counters().accepted(), pusher.counters().coalesced(),
                pusher.counters().shed());

        pusher.close(Duration.ofSeconds(5));
        bare.close().get(10, TimeUnit.SECONDS);
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        server.shutdown().get(10, TimeUnit.SECONDS);
        serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        store.close();
    }

    /** Pushes per second through a bare Pushy client with a semaphore bounding requests in flight. */
    private static double runBare(final ApnsClient client, final String topic, final int n, final int batch)
            throws InterruptedException {
        final Semaphore inFlight = new Semaphore(IN_FLIGHT);
        final CountDownLatch done = new CountDownLatch(n);
        final AtomicLong accepted = new AtomicLong();
        final long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            final SimpleApnsPushNotification notification = new SimpleApnsPushNotification(token(batch, i), topic,
                    "{\"aps\":{\"account-id\":\"ACC-" + i + "\"}}", Instant.now().plus(Duration.ofHours(24)), null,
                    PushType.BACKGROUND, null, null);
            client.sendNotification(notification).whenComplete((response, error) -> {
                if (response != null && response.isAccepted()) {
                    accepted.incrementAndGet();
                }
                inFlight.release();
                done.countDown();
            });
        }
        done.await();
        final double seconds = (System.nanoTime() - started) / 1e9;
        if (accepted.get() != n) {
            throw new IllegalStateException("bare Pushy: only " + accepted.get() + " of " + n + " accepted");
        }
        return n / seconds;
    }

    /** Pushes per second through the pusher: submit as new mail for N distinct devices, wait for N accepted. */
    private static double runPusher(final ApnsPusher pusher, final String topic, final int n, final int batch)
            throws InterruptedException {
        final List<Registration> registrations = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            registrations.add(Registration.of("u", "ACC-" + i, token(batch, i), "com.apple.mobilemail", 2,
                    Set.of("INBOX"), topic, Instant.EPOCH));
        }
        final long target = pusher.counters().accepted() + n;
        final long started = System.nanoTime();
        for (final Registration registration : registrations) {
            pusher.submit(registration, PushKind.NEW_MAIL);
        }
        long lastReport = System.nanoTime();
        while (pusher.counters().accepted() < target) {
            Thread.sleep(0, 100_000);
            if (pusher.counters().abandoned() > 0) {
                throw new IllegalStateException("pusher abandoned pushes");
            }
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                lastReport = System.nanoTime();
                System.err.printf("waiting: requests %d accepted %d/%d pending %d in flight %d rejected %s%n",
                        pusher.counters().requests(), pusher.counters().accepted(), target, pusher.pending(),
                        pusher.inFlight(), pusher.counters().rejectedByReason());
            }
        }
        final double seconds = (System.nanoTime() - started) / 1e9;
        return n / seconds;
    }

    private static String token(final int batch, final int i) {
        return String.format("%08x%056x", batch, i);
    }

    private static double median(final double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
