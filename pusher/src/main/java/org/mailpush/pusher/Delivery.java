package org.mailpush.pusher;

import io.github.resilience4j.retry.Retry;
import org.mailpush.store.PushTarget;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One push on its way: the attempts made so far and the retry context that decides about the next one. Either
 * belongs to a coalescer entry (pushes from events) or carries a future (direct sends). Guarded by the engine's lock
 * except for fields only the attempt in progress touches.
 */
final class Delivery {

    final PushTarget target;
    final PushCoalescer.Entry entry;
    final CompletableFuture<PushResult> future;
    final Instant expiresAt;
    final long createdAt;
    /** For a push from events: when the earliest event it covers was taken in ({@link System#nanoTime()}). */
    long eventReceivedAt;
    /**
     * For a calendar or contacts push: the wall time of the latest change it covers (its payload's
     * {@code dataChangedTimestamp}). Set under the lock each time the delivery leaves its ready queue, so that a
     * retry also covers the changes that arrived meanwhile; for a direct send, when it was asked for.
     */
    Instant dataChangedAt;
    /** Told when this push has its final answer: the events it covers are done (null for none). */
    java.util.List<Runnable> covered;
    Retry.AsyncContext<Attempt> retry;
    CredentialSlot slot;
    int attempts;
    int providerTokenRefreshes;
    /** Sent as one of a half-open breaker's probes: a retryable failure then holds it, spending no attempt. */
    boolean probe;
    /** Whether the push waited on purpose before its first request (a coalescing window or a change delay). */
    boolean waited;
    /** The timer that will send it again while it backs off after a retryable failure; {@code null} otherwise. */
    java.util.concurrent.ScheduledFuture<?> backOff;

    Delivery(final PushTarget target, final PushCoalescer.Entry entry,
             final CompletableFuture<PushResult> future, final Instant expiresAt, final long createdAt) {
        this.target = target;
        this.entry = entry;
        this.future = future;
        this.expiresAt = expiresAt;
        this.createdAt = createdAt;
    }
}
