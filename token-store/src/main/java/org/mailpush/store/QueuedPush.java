package org.mailpush.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A push an intake process queued in the store for the pusher process.
 *
 * @param id         its place in the queue (increasing)
 * @param target     what to push: a mail registration ({@link RegistrationKey}) or a DAV subscription
 *                   ({@link DavSubscriptionKey}); the pusher looks it up again, it may have been removed since
 * @param newMail    for mail: new mail (push now) rather than a mailbox change (push after the coalescing delay);
 *                   always {@code false} for a DAV subscription
 * @param receivedAt when the event that caused it was taken in
 */
public record QueuedPush(long id, PushTarget.Key target, boolean newMail, Instant receivedAt) {

    public QueuedPush {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
