package org.mailpush.server.service;

import org.mailpush.pusher.PushKind;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionKey;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushQueue;
import org.mailpush.store.PushTarget;
import org.mailpush.store.QueuedPush;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A pusher process's side of the shared push queue ({@code --role pusher}; docs/deployment.md): claims queued rows
 * under a lease, hands each to the pusher, settles each once its push has Apple's final answer, and keeps renewing
 * the leases of what it holds meanwhile. Any number of pushers share the queue; a pusher that dies leaves its leases
 * to expire and another takes its rows (a push may be sent twice, never lost).
 *
 * <p>Flow: at most {@link Settings#maxHeld} rows held at once, claimed {@link Settings#batch} at a time; answers
 * are settled in batches, at most every {@link #SETTLE_DELAY} unless {@code SETTLE_BATCH} are waiting; leases are
 * renewed every third of {@link Settings#lease}. The claiming thread sleeps when there is nothing to claim until
 * the store says pushes were queued ({@link PushQueue#whenQueued}) or {@link Settings#poll} passes.</p>
 *
 * <p>Threading: {@link #step} runs on the claiming thread ({@link #start}) or a test's; answers arrive on the
 * pusher's threads. Lifecycle: {@link #start}, {@link #close} (stops claiming), then, once the pusher finished,
 * {@link #finish} (settles the last answers and gives back what was not answered).</p>
 */
final class QueuedPushConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedPushConsumer.class);
    /** How long an answer may wait to be settled with others. */
    static final Duration SETTLE_DELAY = Duration.ofMillis(50);
    /**
     * Rows one pusher holds at most. Generous: a mailbox change waits {@code apns.change-delay} (30 s) in the
     * pusher's coalescing while its row stays held, so this bounds how many such pushes one pusher can have on the
     * way; well under {@code apns.max-pending} (100,000), past which the pusher would shed.
     */
    static final int MAX_HELD = 20_000;
    /** How often a claimer polls a store that cannot wake it for another process's pushes (H2). */
    static final Duration UNWOKEN_POLL = Duration.ofMillis(50);
    /** Answers that are settled at once, without waiting for more. */
    private static final int SETTLE_BATCH = 500;

    /**
     * @param lease   how long a claim lasts unless renewed ({@code store.queue-lease})
     * @param poll    the longest sleep without a wake-up ({@code store.queue-poll})
     * @param batch   rows claimed at a time
     * @param maxHeld rows held at once, pushed or waiting for their answer
     */
    record Settings(Duration lease, Duration poll, int batch, int maxHeld) {
        Settings {
            if (lease.compareTo(Duration.ofSeconds(1)) < 0 || poll.isNegative() || poll.isZero() || batch < 1
                    || maxHeld < batch) {
                throw new IllegalArgumentException("queue settings out of range: " + lease + ", " + poll + ", "
                        + batch + ", " + maxHeld);
            }
        }

        /**
         * The settings for {@code queue}: {@code poll} as configured where the store wakes claimers across
         * processes, otherwise (H2) at most {@link #UNWOKEN_POLL}, since polling is then the only way to hear of
         * another process's pushes.
         */
        static Settings of(final Duration lease, final Duration poll, final PushQueue queue) {
            final Duration effective = queue.wakesAcrossProcesses() || poll.compareTo(UNWOKEN_POLL) < 0 ? poll
                    : UNWOKEN_POLL;
            return new Settings(lease, effective, 500, MAX_HELD);
        }
    }

    /** Where a claimed push goes: the pusher's {@code submit}, which runs {@code onCovered} at its final answer. */
    @FunctionalInterface
    interface Submitter {
        void submit(PushTarget target, PushKind kind, long eventReceivedAt, Runnable onCovered);
    }

    private final PushQueue queue;
    private final RegistrationStore registrations;
    private final DavSubscriptionStore subscriptions;
    private final Submitter pusher;
    private final Settings settings;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final String claimer;
    private final Map<Long, QueuedPush> held = new ConcurrentHashMap<>();
    private final Queue<QueuedPush> answered = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answeredCount = new AtomicInteger();
    private final LongAdder claims = new LongAdder();
    private final LongAdder leaseExpiries = new LongAdder();
    private final LongAdder redeliveries = new LongAdder();
    private final Object signal = new Object();
    private boolean woken;
    private Instant nextRenewal;
    private Instant lastSettle = Instant.EPOCH;
    private volatile boolean running = true;
    private boolean failing;
    private Thread thread;

    QueuedPushConsumer(final PushQueue queue, final RegistrationStore registrations,
                       final DavSubscriptionStore subscriptions, final Submitter pusher, final Settings settings,
                       final Clock clock, final LongSupplier nanoTime, final String claimer) {
        this.queue = queue;
        this.registrations = registrations;
        this.subscriptions = subscriptions;
        this.pusher = pusher;
        this.settings = settings;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.claimer = claimer;
    }

    /** A claimer's name in {@code push_queue.claimed_by}: host, process id, and a random part for restarts. */
    static String claimerName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (final java.io.IOException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid() + ":"
                + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt());
    }

    /** Starts the claiming thread, woken by the store when pushes are queued. */
    QueuedPushConsumer start() {
        queue.whenQueued(this::wake);
        thread = new Thread(this::run, "push-queue");
        thread.setDaemon(true);
        thread.start();
        LOG.info("Taking queued pushes from the token store as {} (lease {} s)", claimer,
                settings.lease().toSeconds());
        return this;
    }

    private void run() {
        while (running) {
            long waitMillis;
            try {
                waitMillis = step();
                if (failing) {
                    failing = false;
                    LOG.info("The push queue answers again");
                }
            } catch (final TokenStoreException e) {
                if (!failing) {
                    failing = true;
                    LOG.warn("Cannot work on the push queue ({}); trying again every {} ms", e.getMessage(),
                            settings.poll().toMillis());
                }
                waitMillis = settings.poll().toMillis();
            } catch (final RuntimeException e) {
                // A bug must not stop the pushes of everyone else: what was claimed is renewed and settled as ever.
                LOG.error("Unexpected failure taking queued pushes; going on", e);
                waitMillis = settings.poll().toMillis();
            }
            if (waitMillis > 0 && !await(waitMillis)) {
                return;
            }
        }
    }

    /**
     * One round: settles the answers so far (when due), renews leases (when due), claims what there is room for
     * and submits it.
     *
     * @return how long to wait before the next round, in milliseconds; 0 when there may be more to claim at once
     * @throws TokenStoreException when the store failed; what it was doing is tried again in the next round
     */
    long step() {
        final Instant now = clock.instant();
        final int answers = answeredCount.get();
        if (answers >= SETTLE_BATCH || answers > 0 && (!now.isBefore(lastSettle.plus(SETTLE_DELAY))
                || held.size() >= settings.maxHeld())) {
            lastSettle = now;
            settle();
        }
        if (!held.isEmpty() && (nextRenewal == null || !now.isBefore(nextRenewal))) {
            queue.renew(claimer, List.copyOf(held.keySet()), now.plus(settings.lease()));
            nextRenewal = now.plus(settings.lease().dividedBy(3));
        }
        final int room = Math.min(settings.batch(), settings.maxHeld() - held.size());
        int claimed = 0;
        if (room > 0) {
            final List<QueuedPush> pushes = queue.claim(claimer, room, now, settings.lease());
            claimed = pushes.size();
            if (!pushes.isEmpty() && nextRenewal == null) {
                nextRenewal = now.plus(settings.lease().dividedBy(3));
            }
            for (final QueuedPush push : pushes) {
                held.put(push.id(), push);
                claims.increment();
                if (push.takenOver()) {
                    leaseExpiries.increment();
                }
                if (push.deliveries() > 1) {
                    redeliveries.increment();
                }
                submit(push, now);
            }
        }
        if (room > 0 && claimed == room) {
            return 0;
        }
        long wait = settings.poll().toMillis();
        if (nextRenewal != null && !held.isEmpty()) {
            wait = Math.min(wait, Math.max(1, Duration.between(now, nextRenewal).toMillis()));
        }
        if (answeredCount.get() > 0) {
            wait = Math.min(wait, SETTLE_DELAY.toMillis());
        }
        return wait;
    }

    private void submit(final QueuedPush push, final Instant now) {
        final long eventAt = nanoTime.getAsLong()
                - Math.max(0, Duration.between(push.receivedAt(), now).toNanos());
        if (push.target() instanceof DavSubscriptionKey key) {
            final Optional<DavSubscription> subscription = subscriptions.findSubscription(key);
            if (subscription.isEmpty() || subscription.get().expiredAt(now)) {
                answered(push); // unsubscribed, removed or expired since: nothing to push
                return;
            }
            pusher.submit(subscription.get(), PushKind.COLLECTION_CHANGE, eventAt, () -> answered(push));
            return;
        }
        final Optional<Registration> registration = registrations.find((RegistrationKey) push.target());
        if (registration.isEmpty()) {
            answered(push); // the device was removed since
            return;
        }
        pusher.submit(registration.get(), push.newMail() ? PushKind.NEW_MAIL : PushKind.MAILBOX_CHANGE, eventAt,
                () -> answered(push));
    }

    /** Runs on the pusher's threads: quick, never blocks on the store. */
    private void answered(final QueuedPush push) {
        answered.add(push);
        if (answeredCount.incrementAndGet() >= SETTLE_BATCH || held.size() >= settings.maxHeld()) {
            wake();
        }
    }

    private void settle() {
        final List<QueuedPush> batch = new ArrayList<>();
        for (QueuedPush push = answered.poll(); push != null; push = answered.poll()) {
            batch.add(push);
        }
        answeredCount.addAndGet(-batch.size());
        if (batch.isEmpty()) {
            return;
        }
        try {
            queue.settle(claimer, batch);
        } catch (final TokenStoreException e) {
            answered.addAll(batch);
            answeredCount.addAndGet(batch.size());
            throw e;
        }
        batch.forEach(push -> held.remove(push.id()));
    }

    private void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /** Waits up to {@code millis} or until woken; false once stopped. */
    private boolean await(final long millis) {
        synchronized (signal) {
            final long deadline = System.nanoTime() + millis * 1_000_000;
            while (!woken && running) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    signal.wait(Math.max(1, left / 1_000_000));
                } catch (final InterruptedException e) {
                    return false;
                }
            }
            woken = false;
        }
        return running;
    }

    /** Stops claiming; what is held stays held until {@link #finish}. */
    @Override
    public void close() {
        running = false;
        wake();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Once the pusher finished: settles the last answers and gives back the rows never answered, so another pusher
     * takes them at once rather than after the lease. Failures are logged: the leases then expire as a crash's do.
     */
    void finish() {
        try {
            settle();
            final List<QueuedPush> unanswered = List.copyOf(held.values());
            final int released = queue.release(claimer, unanswered);
            held.clear();
            if (released > 0) {
                LOG.info("Gave {} unanswered queued push(es) back to the queue for the other pushers", released);
            }
        } catch (final TokenStoreException e) {
            LOG.warn("Could not settle the push queue on the way out ({}); its rows will be taken again after the"
                    + " lease, and some pushed twice", e.getMessage());
        }
    }

    /** This claimer's name in the queue's {@code claimed_by}. */
    String claimer() {
        return claimer;
    }

    /** Rows held now: claimed, not yet settled. */
    int held() {
        return held.size();
    }

    /** Rows claimed since start. */
    long claims() {
        return claims.sum();
    }

    /** Rows taken over from a claimer whose lease had expired (a pusher that died). */
    long leaseExpiries() {
        return leaseExpiries.sum();
    }

    /** Rows claimed that had been claimed before without a final answer: a push that may go out twice. */
    long redeliveries() {
        return redeliveries.sum();
    }
}
