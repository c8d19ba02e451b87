package org.mailpush.notifyd.event;

/**
 * Something an IMAP server told mailpush, after parsing and validation: a device registration or a change in a
 * mailbox. Whatever door it came through (Cyrus socket, HTTP), it looks the same from here on.
 */
public sealed interface IntakeEvent permits DeviceRegistration, DavSubscriptionRequest, MailboxEvent {

    /** Which door it came through, e.g. {@code cyrus}; a metric label, never user data. */
    String source();

    EventType type();
}
