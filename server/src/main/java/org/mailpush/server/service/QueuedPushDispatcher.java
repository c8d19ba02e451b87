package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.store.PushQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * The intake process's side of a split install ({@code --role intake}): each routed push becomes a row of the token
 * store's {@link PushQueue}, which the pusher process drains ({@link QueuedPushConsumer}). The event is done once its
 * row is written.
 *
 * <p>The queue is bounded by {@code store.max-queued-pushes}: while the pusher is down it fills, and past the bound
 * new pushes are shed (counted, logged once per episode) rather than growing the database without end. Counting
 * the rows costs a scan, so the depth is recounted from the store at most once per {@code recount} and this
 * process's own inserts are added in between: the bound may be overshot by one interval's pushes, never more.</p>
 *
 * <p>Called from the event router's single routing thread; the counters are read from any thread.</p>
 */
final class QueuedPushDispatcher implements PushDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedPushDispatcher.class);

    private final PushQueue queue;
    private final long maxQueued;
    private final long recountNanos;
    private final LongAdder shed = new LongAdder();
    private volatile long depth;
    private long recountedAt;
    private boolean recounted;
    private boolean full;

    QueuedPushDispatcher(final PushQueue queue, final long maxQueued, final Duration recount) {
        this.queue = queue;
        this.maxQueued = maxQueued;
        this.recountNanos = recount.toNanos();
    }

    @Override
    public void dispatch(final PushIntent intent) {
        if (depth() >= maxQueued) {
            shed.increment();
            if (!full) {
                full = true;
                LOG.warn("The push queue holds {} pushes, store.max-queued-pushes: is the pusher process (--role"
                        + " pusher) running? Shedding new pushes until it drains (counted in"
                        + " mailpush_push_queue_shed_total)", maxQueued);
            }
            return;
        }
        if (full) {
            full = false;
            LOG.info("The push queue has room again; {} push(es) were shed while it was full", shed.sum());
        }
        final long age = Math.max(0, System.nanoTime() - intent.cause().receivedAt());
        queue.enqueue(intent.target().key(), intent.cause().type().kind() == EventType.Kind.NEW_MAIL,
                Instant.now().minusNanos(age));
        depth++;
    }

    /** Queued, or shed at the bound: either way the event is done with (as when the pusher sheds in one process). */
    @Override
    public void dispatch(final PushIntent intent, final Runnable onPushed) {
        dispatch(intent);
        onPushed.run();
    }

    private long depth() {
        final long now = System.nanoTime();
        if (!recounted || now - recountedAt >= recountNanos) {
            depth = queue.size();
            recountedAt = now;
            recounted = true;
        }
        return depth;
    }

    /** Pushes in the queue as last counted plus those added since: what the bound is checked against. */
    long queuedEstimate() {
        return depth;
    }

    /** Pushes shed because the queue was at its bound. */
    long shed() {
        return shed.sum();
    }
}
