package org.mailpush.server.ops;

import io.micrometer.core.instrument.MeterRegistry;
import org.mailpush.store.PendingPush;
import org.mailpush.store.PushQueue;
import org.mailpush.store.QueueStats;
import org.mailpush.store.QueuedPush;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The shared push queue with its failures counted ({@code mailpush_store_errors}, operation {@code queue}), as
 * {@link MeteredRegistrationStore} counts those of the registrations. Thread-safe as the queue it wraps.
 */
public final class MeteredPushQueue implements PushQueue {

    private final PushQueue queue;
    private final MeterRegistry registry;

    public MeteredPushQueue(final PushQueue queue, final MeterRegistry registry) {
        this.queue = queue;
        this.registry = registry;
    }

    @Override
    public void enqueue(final Collection<PendingPush> pushes) {
        MeteredRegistrationStore.measured(registry, "queue", () -> {
            queue.enqueue(pushes);
            return null;
        });
    }

    @Override
    public long size() {
        return MeteredRegistrationStore.measured(registry, "queue", queue::size);
    }

    @Override
    public QueueStats stats(final Instant now) {
        return MeteredRegistrationStore.measured(registry, "queue", () -> queue.stats(now));
    }

    @Override
    public List<QueuedPush> claim(final String claimer, final int limit, final Instant now, final Duration lease) {
        return MeteredRegistrationStore.measured(registry, "queue", () -> queue.claim(claimer, limit, now, lease));
    }

    @Override
    public int renew(final String claimer, final Collection<Long> ids, final Instant until) {
        return MeteredRegistrationStore.measured(registry, "queue", () -> queue.renew(claimer, ids, until));
    }

    @Override
    public void settle(final String claimer, final Collection<QueuedPush> answered) {
        MeteredRegistrationStore.measured(registry, "queue", () -> {
            queue.settle(claimer, answered);
            return null;
        });
    }

    @Override
    public int release(final String claimer, final Collection<QueuedPush> unanswered) {
        return MeteredRegistrationStore.measured(registry, "queue", () -> queue.release(claimer, unanswered));
    }

    @Override
    public void whenQueued(final Runnable wake) {
        queue.whenQueued(wake);
    }

    @Override
    public boolean wakesAcrossProcesses() {
        return queue.wakesAcrossProcesses();
    }
}
