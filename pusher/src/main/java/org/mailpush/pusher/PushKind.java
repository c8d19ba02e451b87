package org.mailpush.pusher;

/** Why a device should be told to check its account; decides how soon. */
public enum PushKind {
    /** A message arrived: push at once, then at most once per coalescing window. */
    NEW_MAIL,
    /** Read state, flags or deletions changed: push after a delay, coalesced, so other devices catch up. */
    MAILBOX_CHANGE,
    /**
     * A calendar or address book changed: one push after the DAV coalescing delay, coalesced with further changes
     * (one DAV write makes two or three events).
     */
    COLLECTION_CHANGE
}
