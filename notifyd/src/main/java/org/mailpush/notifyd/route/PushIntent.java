package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.store.PushTarget;

import java.util.Objects;

/**
 * A mailbox event that concerns a device: its mail registration (the device should check its account) or its
 * subscription to a calendar or address book (the device should sync that collection).
 */
public record PushIntent(PushTarget target, MailboxEvent cause) {

    public PushIntent {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(cause, "cause");
    }
}
