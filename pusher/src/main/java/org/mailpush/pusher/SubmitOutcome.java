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
    CLOSED,
    /**
     * Ended at once: no credential has the calendar or contacts subscription's topic. Counted
     * ({@link PusherCounters#noCredential(org.mailpush.store.PushTarget.Kind)}), told to the listener as a final
     * {@link ApnsVerdict#NO_CREDENTIAL} result, never retried.
     */
    NO_CREDENTIAL
}
