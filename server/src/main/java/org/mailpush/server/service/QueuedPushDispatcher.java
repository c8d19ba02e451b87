package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.store.PendingPush;
import org.mailpush.store.PushQueue;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An intake process's side of the shared push queue ({@code --role intake}): each routed push becomes a row of the
 * token store's {@link PushQueue} (merged into the row of its target when one is queued), which the pusher
 * processes drain ({@link QueuedPushConsumer}). The event is done once its row is committed.
 *
 * <p>Writes are batched: the routing thread hands pushes to a bounded buffer ({@link #BUFFER}), and one writer
 * thread commits whatever has gathered, up to {@link #BATCH} per transaction, so a burst costs one commit per batch
 * rather than per push. When the buffer is full (the database slow or failing over) the routing thread waits for
 * room, and the router's own bounded queue takes the back-pressure (and sheds, counted, past its bound).</p>
 *
 * <p>The queue is bounded by {@code store.max-queued-pushes}: while no pusher runs it fills, and past the bound new
 * pushes are shed (counted, logged once per episode) rather than growing the database without end. Counting the
 * rows costs a scan, so the depth is recounted from the store at most once per {@code recount} and this process's
 * own writes are added in between: the bound may be overshot by one interval's pushes, never more.</p>
 *
 * <p>Threading: {@link #dispatch} is called from the event router's single routing thread; the counters are read
 * from any thread. Lifecycle: {@link #start} before the router, {@link #close} after it (writes what is buffered).</p>
 */
final class QueuedPushDispatcher implements PushDispatcher, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedPushDispatcher.class);
    static final int BUFFER = 10_000;
    static final int BATCH = 500;
    private static final Duration RETRY = Duration.ofSeconds(1);

    private record Buffered(PendingPush push, Runnable onQueued) {
    }

    private final PushQueue queue;
    private final long maxQueued;
    private final long recountNanos;
    private final BlockingQueue<Buffered> buffer = new ArrayBlockingQueue<>(BUFFER);
    private final LongAdder shed = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final AtomicLong depth = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;
    private long recountedAt;
    private boolean recounted;
    private boolean full;

    QueuedPushDispatcher(final PushQueue queue, final long maxQueued, final Duration recount) {
        this.queue = queue;
        this.maxQueued = maxQueued;
        this.recountNanos = recount.toNanos();
        this.writer = new Thread(this::writeLoop, "push-queue-writer");
        this.writer.setDaemon(true);
    }

    QueuedPushDispatcher start() {
        writer.start();
        return this;
    }

    @Override
    public void dispatch(final PushIntent intent) {
        dispatch(intent, () -> { });
    }

    /** Queued once committed, or shed at the bound: either way the event is then done with. */
    @Override
    public void dispatch(final PushIntent intent, final Runnable onPushed) {
        if (depth() >= maxQueued) {
            shed.increment();
            if (!full) {
                full = true;
                LOG.warn("The push queue holds {} pushes, store.max-queued-pushes: is a pusher process (--role"
                        + " pusher) running? Shedding new pushes until it drains (counted in"
                        + " mailpush_push_queue_shed_total)", maxQueued);
            }
            onPushed.run();
            return;
        }
        if (full) {
            full = false;
            LOG.info("The push queue has room again; {} push(es) were shed while it was full", shed.sum());
        }
        final long age = Math.max(0, System.nanoTime() - intent.cause().receivedAt());
        final PendingPush push = new PendingPush(intent.target().key(),
                intent.cause().type().kind() == EventType.Kind.NEW_MAIL, Instant.now().minusNanos(age));
        try {
            while (!buffer.offer(new Buffered(push, onPushed), 100, TimeUnit.MILLISECONDS)) {
                if (!running) {
                    lost.increment();
                    return;
                }
            }
            depth.incrementAndGet(); // counted from now: what is buffered will be queued
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            lost.increment();
        }
    }

    private long depth() {
        final long now = System.nanoTime();
        if (!recounted || now - recountedAt >= recountNanos) {
            depth.set(queue.size() + buffer.size());
            recountedAt = now;
            recounted = true;
        }
        return depth.get();
    }

    private void writeLoop() {
        final List<Buffered> batch = new ArrayList<>(BATCH);
        while (running || !buffer.isEmpty()) {
            try {
                final Buffered first = buffer.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                buffer.drainTo(batch, BATCH - 1);
                write(batch);
            } catch (final InterruptedException e) {
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** Commits one batch, trying again while the store fails and the process runs; then the events are done. */
    private void write(final List<Buffered> batch) throws InterruptedException {
        final List<PendingPush> pushes = batch.stream().map(Buffered::push).toList();
        boolean warned = false;
        while (true) {
            try {
                queue.enqueue(pushes);
                break;
            } catch (final TokenStoreException e) {
                if (!running) {
                    lost.add(batch.size());
                    LOG.warn("Stopping with {} push(es) not queued: {}", batch.size(), e.getMessage());
                    return;
                }
                if (!warned) {
                    warned = true;
                    LOG.warn("Cannot queue {} push(es) ({}); trying again every second, routing waits meanwhile",
                            batch.size(), e.getMessage());
                }
                Thread.sleep(RETRY.toMillis());
            }
        }
        if (warned) {
            LOG.info("Queued the {} push(es) that waited for the store", batch.size());
        }
        written.add(batch.size());
        batch.forEach(buffered -> buffered.onQueued().run());
    }

    /** Stops taking pushes; what is buffered is written first (one attempt once stopping). */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(10_000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Pushes in the queue as last counted plus those added since: what the bound is checked against. */
    long queuedEstimate() {
        return depth.get();
    }

    /** Pushes shed because the queue was at its bound. */
    long shed() {
        return shed.sum();
    }

    /** Pushes committed to the queue by this process. */
    long written() {
        return written.sum();
    }

    /** Pushes given up on at shutdown because the store could not take them. */
    long lost() {
        return lost.sum();
    }
}
