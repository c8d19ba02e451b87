package org.mailpush.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The push queue that intake processes ({@code --role intake}) fill and pusher processes ({@code --role pusher})
 * drain, any number of each on one database (docs/deployment.md). Held in the store's {@code push_queue} table,
 * beside the registrations.
 *
 * <p>One row per push target: a push for a target already queued is merged into its row, so a device's pending
 * pushes are claimed by one pusher and sent once. A pusher {@linkplain #claim claims} rows under a lease it keeps
 * {@linkplain #renew renewing} while it works, and {@linkplain #settle settles} each once Apple gave its final
 * answer; a row whose claimer died is claimed again once the lease has expired. So a push may be sent twice (by a
 * pusher that died after sending and before settling), never lost; nothing depends on the order in which rows
 * commit.</p>
 *
 * <p>Thread-safe; every method either completes or throws {@link TokenStoreException}. Lifecycle: it is one job of a
 * {@link TokenStore}, which owns the database and is the one to close; its users do not close it.</p>
 */
public interface PushQueue {

    /**
     * Queues {@code pushes} in one transaction: a row for each target not yet queued, the others merged into their
     * row (new mail if any event was; the oldest time kept). Retried safely: a merge that landed twice only pushes
     * the device one more time.
     */
    void enqueue(Collection<PendingPush> pushes);

    /** Queues one push; as {@link #enqueue(Collection)}. */
    default void enqueue(final PushTarget.Key target, final boolean newMail, final Instant receivedAt) {
        enqueue(List.of(new PendingPush(target, newMail, receivedAt)));
    }

    /** How many targets are queued now (a count over the queue: call it seldom, not per push). */
    long size();

    /** Depth, claimed rows and the oldest event's age, in one query (call it seldom). */
    QueueStats stats(Instant now);

    /**
     * Claims up to {@code limit} rows that nobody holds, or whose holder's lease ended before {@code now}, oldest
     * first, for {@code claimer} until {@code now + lease}. Rows other pushers are claiming at the same moment are
     * skipped, not waited for.
     */
    List<QueuedPush> claim(String claimer, int limit, Instant now, Duration lease);

    /**
     * Extends {@code claimer}'s lease on the rows {@code ids} (those it still holds) to {@code until}.
     *
     * @return how many rows it still held
     */
    int renew(String claimer, Collection<Long> ids, Instant until);

    /**
     * Marks {@code answered} as done: each row is removed, unless an event was merged into it since it was claimed;
     * then it is released, to be claimed and pushed again.
     */
    void settle(String claimer, Collection<QueuedPush> answered);

    /**
     * Gives rows back unanswered (a pusher stopping): they can be claimed at once, and count as re-delivered.
     *
     * @return how many rows {@code claimer} still held
     */
    int release(String claimer, Collection<QueuedPush> unanswered);

    /**
     * Runs {@code wake} (quickly, on a thread of the store) when pushes may have been queued, by this process or,
     * on PostgreSQL, by any process sharing the database. Such wake-ups can be missed (a listening connection
     * that broke): claimers poll as well. One listener; a second call replaces it.
     */
    void whenQueued(Runnable wake);

    /**
     * Whether {@link #whenQueued} hears pushes queued by other processes (PostgreSQL's LISTEN/NOTIFY); when not
     * (H2, whose triggers run only in the process that serves the file), claimers must poll more often.
     */
    boolean wakesAcrossProcesses();
}
