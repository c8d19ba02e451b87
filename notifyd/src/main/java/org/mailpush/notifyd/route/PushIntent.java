package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.store.Registration;

import java.util.Objects;

/** A mailbox event that concerns a registered device: the device should be told to check its account. */
public record PushIntent(Registration registration, MailboxEvent cause) {

    public PushIntent {
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(cause, "cause");
    }
}
