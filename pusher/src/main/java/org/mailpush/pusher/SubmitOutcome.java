package org.mailpush.pusher;

/** What {@link ApnsPusher#submit} did with a push request. */
public enum SubmitOutcome {
    /** A push for the device will go out (now, or when its window or delay ends). */
    QUEUED,
    /** A push for the device is already pending and covers this request. */
    COALESCED,
    /** Refused: the pending limit is reached (counted). */
    SHED,
    /** Refused: the pusher is shutting down. */
    CLOSED
}
