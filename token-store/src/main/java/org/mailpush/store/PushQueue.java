package org.mailpush.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The push queue of a split install: the intake process ({@code --role intake}) queues each routed push here, the
 * pusher process ({@code --role pusher}) reads them (mail and DAV pushes alike) in order and removes each once Apple
 * answered it, so a pusher that stops takes up again where it was (a push may be sent twice, never lost). Held in
 * the store's {@code push_queue} table, beside the registrations.
 *
 * <p>Thread-safe; every method either completes or throws {@link TokenStoreException}. Lifecycle: it is one job of a
 * {@link TokenStore}, which owns the database and is the one to close; its users do not close it.</p>
 */
public interface PushQueue {

    /**
     * Queues a push for the mail registration or DAV subscription with this key; for mail, {@code newMail} rather
     * than a mailbox change (ignored, stored as {@code false}, for a DAV subscription).
     */
    void enqueue(PushTarget.Key target, boolean newMail, Instant receivedAt);

    /** How many pushes are queued now (a count over the queue: call it seldom, not per push). */
    long size();

    /** Up to {@code limit} queued pushes with an id above {@code afterId}, oldest first; they stay queued. */
    List<QueuedPush> read(long afterId, int limit);

    /** Removes pushes that have their final answer. */
    void remove(Collection<Long> ids);
}
