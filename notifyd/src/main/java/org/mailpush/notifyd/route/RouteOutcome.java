package org.mailpush.notifyd.route;

/**
 * What routing one event did. Intake doors that answer their sender synchronously (the xapsd API) turn this into
 * a status code; the others only count it.
 */
public enum RouteOutcome {
    /** A device registration was stored or refreshed. */
    REGISTERED,
    /** A device's subscription to a calendar or address book was stored or refreshed. */
    SUBSCRIBED,
    /**
     * A new device (or a new subscription) was refused: its user has the most devices (subscriptions) the store
     * allows.
     */
    REFUSED,
    /**
     * At least one registered device watches the mailbox (or subscribes to the calendar or address book); pushes
     * were handed to the dispatcher.
     */
    DISPATCHED,
    /** The owner has registered devices, but none of them watches this mailbox. */
    NOT_WATCHED,
    /** The owner has no registered device at all. */
    UNKNOWN_USER,
    /** A calendar or address book changed that no device (or only expired ones) subscribes to. */
    NOT_SUBSCRIBED,
    /**
     * A calendar or address-book event without the collection's unique id ({@code mailboxUniqueId},
     * {@code mailboxID}): it cannot be matched to subscriptions.
     */
    NO_COLLECTION,
    /** The event needs no push (e.g. a mailbox was created). */
    IGNORED,
    /** The token store failed; nothing was done. */
    STORE_FAILED,
    /** The routing queue was full; the event was dropped. */
    SHED
}
