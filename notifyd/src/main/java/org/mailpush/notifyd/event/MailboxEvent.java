package org.mailpush.notifyd.event;

import org.mailpush.common.mail.MailboxNames;

import java.time.Instant;
import java.util.Objects;

/**
 * Something changed in a mailbox.
 *
 * @param type        what happened
 * @param owner       the user whose mailbox it is (taken from the mailbox name, not from the acting user)
 * @param mailbox     the name as the owner's client sees it, in Unicode, INBOX normalised
 * @param uidValidity the mailbox's UIDVALIDITY, {@code 0} when not given
 * @param uid         the message UID for new mail, {@code 0} when not given
 * @param occurredAt  when the server says it happened; the receive time when it does not say
 * @param receivedAt  when mailpush took it in ({@link System#nanoTime()}), for latency figures
 */
public record MailboxEvent(String source, EventType type, String owner, String mailbox, long uidValidity, long uid,
                           Instant occurredAt, long receivedAt) implements IntakeEvent {

    public MailboxEvent {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(occurredAt, "occurredAt");
        mailbox = MailboxNames.normalize(Objects.requireNonNull(mailbox, "mailbox"));
    }
}
