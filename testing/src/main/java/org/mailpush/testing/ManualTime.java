package org.mailpush.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Time that moves only when a test says so: one source for a {@link Clock}, a nanosecond ticker and a
 * {@link ScheduledExecutorService}, so that code given all three sees one consistent time. {@link #advance} moves it
 * forward and runs, on the calling thread and in due order, every task that falls due on the way (each at its own
 * due time). Tasks may be scheduled from any thread; none runs except inside {@link #advance} (or
 * {@link #runDueTasks}). A repeating task ({@code scheduleWithFixedDelay}) stops at shutdown; cancelling the future it
 * returned stops it only before its first run.
 *
 * <p>Thread-safe.</p>
 */
public final class ManualTime {

    private final Instant origin;
    private long nanos;
    private long sequence;
    private final PriorityQueue<Task<?>> tasks = new PriorityQueue<>();
    private final Scheduler scheduler = new Scheduler();

    /** Starts at {@code origin}. */
    public ManualTime(final Instant origin) {
        this.origin = origin;
    }

    /** Now, as nanoseconds since the start. */
    public synchronized long nanoTime() {
        return nanos;
    }

    /** Now, as an instant. */
    public synchronized Instant now() {
        return origin.plusNanos(nanos);
    }

    /** A ticker reading this time, for code that takes a {@code LongSupplier} of {@link System#nanoTime()}. */
    public LongSupplier ticker() {
        return this::nanoTime;
    }

    /** A clock reading this time, in UTC. */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(final ZoneId zone) {
                throw new UnsupportedOperationException("a manual clock is in UTC");
            }

            @Override
            public Instant instant() {
                return now();
            }
        };
    }

    /** An executor whose scheduled tasks run when this time reaches them; {@code execute} runs at the next advance. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Tasks scheduled and not yet run or cancelled. */
    public synchronized int pendingTasks() {
        tasks.removeIf(FutureTask::isCancelled);
        return tasks.size();
    }

    /** When the next task falls due, or {@code null} when none is scheduled. */
    public synchronized Duration nextTaskIn() {
        tasks.removeIf(FutureTask::isCancelled);
        final Task<?> next = tasks.peek();
        return next == null ? null : Duration.ofNanos(Math.max(0, next.dueNanos - nanos));
    }

    /** Moves time forward by {@code amount}, running every task that falls due meanwhile, each at its due time. */
    public void advance(final Duration amount) {
        final long target;
        synchronized (this) {
            target = nanos + amount.toNanos();
        }
        while (true) {
            final Task<?> next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.dueNanos > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.dueNanos);
            }
            next.run();
        }
    }

    /** Runs the tasks due now (an {@code execute}, a zero delay), without moving time. */
    public void runDueTasks() {
        advance(Duration.ZERO);
    }

    private synchronized <V> Task<V> add(final Task<V> task) {
        task.sequence = sequence++;
        tasks.add(task);
        return task;
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {

        final long dueNanos;
        long sequence;

        Task(final Callable<V> work, final long dueNanos) {
            super(work);
            this.dueNanos = dueNanos;
        }

        @Override
        public long getDelay(final TimeUnit unit) {
            return unit.convert(dueNanos - nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(final Delayed other) {
            final Task<?> that = (Task<?>) other;
            final int byTime = Long.compare(dueNanos, that.dueNanos);
            return byTime != 0 ? byTime : Long.compare(sequence, that.sequence);
        }
    }

    private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {

        private volatile boolean shutdown;

        private long dueIn(final long delay, final TimeUnit unit) {
            return nanoTime() + Math.max(0, unit.toNanos(delay));
        }

        @Override
        public ScheduledFuture<?> schedule(final Runnable command, final long delay, final TimeUnit unit) {
            return add(new Task<>(() -> {
                command.run();
                return null;
            }, dueIn(delay, unit)));
        }

        @Override
        public <V> ScheduledFuture<V> schedule(final Callable<V> callable, final long delay, final TimeUnit unit) {
            return add(new Task<>(callable, dueIn(delay, unit)));
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(final Runnable command, final long initialDelay,
                                                      final long period, final TimeUnit unit) {
            return scheduleWithFixedDelay(command, initialDelay, period, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(final Runnable command, final long initialDelay,
                                                         final long delay, final TimeUnit unit) {
            final Runnable[] again = new Runnable[1];
            again[0] = () -> {
                command.run();
                if (!shutdown) {
                    schedule(again[0], delay, unit);
                }
            };
            return schedule(again[0], initialDelay, unit);
        }

        @Override
        public void execute(final Runnable command) {
            schedule(command, 0, TimeUnit.NANOSECONDS);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            synchronized (ManualTime.this) {
                final List<Runnable> left = new ArrayList<>(tasks);
                tasks.clear();
                return left;
            }
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(final long timeout, final TimeUnit unit) {
            return true;
        }
    }
}
