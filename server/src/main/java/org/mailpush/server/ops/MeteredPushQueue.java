package org.mailpush.server.ops;

import io.micrometer.core.instrument.MeterRegistry;
import org.mailpush.store.PushQueue;
import org.mailpush.store.PushTarget;
import org.mailpush.store.QueuedPush;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The push queue of a split install with its failures counted ({@code mailpush_store_errors}, operation
 * {@code queue}), as {@link MeteredRegistrationStore} counts those of the registrations. Thread-safe as the queue it
 * wraps.
 */
public final class MeteredPushQueue implements PushQueue {

    private final PushQueue queue;
    private final MeterRegistry registry;

    public MeteredPushQueue(final PushQueue queue, final MeterRegistry registry) {
        this.queue = queue;
        this.registry = registry;
    }

    @Override
    public void enqueue(final PushTarget.Key target, final boolean newMail, final Instant receivedAt) {
        MeteredRegistrationStore.measured(registry, "queue", () -> {
            queue.enqueue(target, newMail, receivedAt);
            return null;
        });
    }

    @Override
    public long size() {
        return MeteredRegistrationStore.measured(registry, "queue", queue::size);
    }

    @Override
    public List<QueuedPush> read(final long afterId, final int limit) {
        return MeteredRegistrationStore.measured(registry, "queue", () -> queue.read(afterId, limit));
    }

    @Override
    public void remove(final Collection<Long> ids) {
        MeteredRegistrationStore.measured(registry, "queue", () -> {
            queue.remove(ids);
            return null;
        });
    }
}
