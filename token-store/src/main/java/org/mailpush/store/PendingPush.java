package org.mailpush.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A push an intake process hands to the {@link PushQueue}.
 *
 * @param target     the mail registration ({@link RegistrationKey}) or DAV subscription ({@link DavSubscriptionKey})
 *                   to push
 * @param newMail    for mail: new mail (push now) rather than a mailbox change (push after the coalescing delay);
 *                   ignored, stored as {@code false}, for a DAV subscription
 * @param receivedAt when the event that caused it was taken in
 */
public record PendingPush(PushTarget.Key target, boolean newMail, Instant receivedAt) {

    public PendingPush {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /**
     * The queue row's key: one row per target. A device token is hex, so the first {@code ':'} after it ends it
     * and the two forms cannot collide (migration V6 computes the same for rows queued before it).
     */
    static String targetKey(final PushTarget.Key target) {
        if (target instanceof RegistrationKey mail) {
            return "m:" + mail.deviceToken() + ":" + mail.accountId();
        }
        final DavSubscriptionKey dav = (DavSubscriptionKey) target;
        return "d:" + dav.deviceToken() + ":" + dav.collectionId();
    }
}
