package org.mailpush.benchmarks;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import static org.mailpush.benchmarks.PipelineBenchmark.BARE_DEVICES;
import static org.mailpush.benchmarks.PipelineBenchmark.BARE_FIRST;
import static org.mailpush.benchmarks.PipelineBenchmark.HERD;
import static org.mailpush.benchmarks.PipelineBenchmark.ONE_DEVICE_USERS;
import static org.mailpush.benchmarks.PipelineBenchmark.REGISTRATIONS;
import static org.mailpush.benchmarks.PipelineBenchmark.SIX_DEVICE_USERS;
import static org.mailpush.benchmarks.PipelineBenchmark.USERS_GETTING_MAIL;
import static org.mailpush.benchmarks.PipelineBenchmark.WARM_UP;
import static org.mailpush.benchmarks.PipelineBenchmark.token;

/**
 * The runs of the {@link PipelineBenchmark}, (a) to (c), against the running service and bare Pushy, on the same peer:
 * what each sends, and what it prints. The service is fed over Cyrus's notify socket and watched through its
 * {@code /metrics}; the peer notes when each device's push arrived ({@code acceptedAt}, by device).
 */
final class PipelineRuns {

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

    PipelineRuns(final NotifyDatagramSender cyrus, final ApnsClient bare, final String topic,
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
        bare.sendNotification(new SimpleApnsPushNotification(token(BARE_FIRST + bareCounter++ % BARE_DEVICES), topic,
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
