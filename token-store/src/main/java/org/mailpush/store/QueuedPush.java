package org.mailpush.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A queued push as a pusher claimed it: the row of one target, with every event merged into it since it was queued.
 *
 * @param id         the row
 * @param generation how many events the row had merged when it was claimed: {@link PushQueue#settle} deletes the row
 *                   only if no event came since, and releases it otherwise (it is pushed again)
 * @param target     what to push: a mail registration ({@link RegistrationKey}) or a DAV subscription
 *                   ({@link DavSubscriptionKey}); the pusher looks it up again, it may have been removed since
 * @param newMail    for mail: new mail among the merged events (push now) rather than only mailbox changes (push after
 *                   the coalescing delay); always {@code false} for a DAV subscription
 * @param receivedAt when the oldest of its events was taken in
 * @param deliveries how many times it has been claimed without a final answer, this claim included: more than one
 *                   is a re-delivery (a pusher died or stopped holding it), which may push the device twice
 * @param takenOver  whether this claim took the row from another claimer whose lease had expired (a pusher died)
 */
public record QueuedPush(long id, long generation, PushTarget.Key target, boolean newMail, Instant receivedAt,
                         int deliveries, boolean takenOver) {

    public QueuedPush {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
