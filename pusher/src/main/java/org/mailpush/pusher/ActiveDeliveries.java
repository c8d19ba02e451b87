package org.mailpush.pusher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The engine's count of deliveries not finished (queued, in flight, backing off), and whether it still takes new ones:
 * what a shutdown waits for. Direct sends are also kept by identity, so that a shutdown that gives up can answer
 * their futures; once it has, late answers of the deliveries it abandoned are ignored.
 *
 * <p>Threading: guarded by the engine's lock; every method but {@link #awaitOrAbandon} is called with it held, and
 * that one takes it (waiting releases it). Lifecycle: open from the start; {@link #close()} when the engine stops
 * taking work, {@link #awaitOrAbandon} once, at shutdown.</p>
 */
final class ActiveDeliveries {

    private final ReentrantLock lock;
    private final Condition drained;
    private final PusherCounters counters;
    private final LongSupplier ticker;
    /** Deliveries not finished; direct sends also in {@link #direct} so shutdown can answer their futures. */
    private int count;
    private final Set<Delivery> direct = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Set when a shutdown gave up on every delivery still active: their late answers are ignored. */
    private boolean abandonedAll;
    private boolean closed;

    /** @param lock the engine's, which guards this */
    ActiveDeliveries(final ReentrantLock lock, final PusherCounters counters, final LongSupplier ticker) {
        this.lock = lock;
        this.drained = lock.newCondition();
        this.counters = counters;
        this.ticker = ticker;
    }

    /** A new delivery. */
    void added(final Delivery delivery) {
        count++;
        if (delivery.future != null) {
            direct.add(delivery);
        }
    }

    /**
     * A delivery has its final answer.
     *
     * @return {@code false} when a shutdown abandoned it already (it was counted and answered then)
     */
    boolean finished(final Delivery delivery) {
        if (abandonedAll) {
            return false;
        }
        count--;
        if (delivery.future != null) {
            direct.remove(delivery);
        }
        return true;
    }

    /** Wakes the shutdown waiting in {@link #awaitOrAbandon} if that was the last delivery. */
    void signalIfDrained() {
        if (count == 0 && closed) {
            drained.signalAll();
        }
    }

    boolean abandonedAll() {
        return abandonedAll;
    }

    /** Takes no new work from now on. */
    void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /**
     * Without the lock: waits up to {@code timeout} for every delivery to end, then gives up on those left: they are
     * counted as abandoned, direct sends are answered ({@code Shutdown}, retryable), and their late answers ignored.
     *
     * @return how many pushes were abandoned; 0 when interrupted while waiting
     */
    int awaitOrAbandon(final Duration timeout) {
        final int abandoned;
        final List<Delivery> left;
        lock.lock();
        try {
            long remaining = timeout.toNanos();
            while (count > 0 && remaining > 0) {
                remaining = drained.awaitNanos(remaining);
            }
            abandoned = count;
            left = new ArrayList<>(direct);
            abandonedAll = true;
            count = 0;
            direct.clear();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            lock.unlock();
        }
        counters.abandoned.add(abandoned);
        for (final Delivery delivery : left) {
            delivery.future.complete(new PushResult(delivery.target, ApnsVerdict.RETRYABLE, 0, "Shutdown", null,
                    null, false, Duration.ofNanos(ticker.getAsLong() - delivery.createdAt), delivery.attempts, null));
        }
        return abandoned;
    }
}
