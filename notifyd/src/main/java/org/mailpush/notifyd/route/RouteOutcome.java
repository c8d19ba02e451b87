package org.mailpush.notifyd.route;

/**
 * What routing one event did. Intake doors that answer their sender synchronously (the xapsd API) turn this into
 * a status code; the others only count it.
 */
public enum RouteOutcome {
    /** A device registration was stored or refreshed. */
    REGISTERED,
    /** A new device was refused: its user has the most devices the store allows. */
    REFUSED,
    /** At least one registered device watches the mailbox; pushes were handed to the dispatcher. */
    DISPATCHED,
    /** The owner has registered devices, but none of them watches this mailbox. */
    NOT_WATCHED,
    /** The owner has no registered device at all. */
    UNKNOWN_USER,
    /** The event needs no push (e.g. a mailbox was created). */
    IGNORED,
    /** The token store failed; nothing was done. */
    STORE_FAILED,
    /** The routing queue was full; the event was dropped. */
    SHED
}
