package org.mailpush.notifyd.event;

import org.mailpush.common.mail.MailboxNames;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Something changed in a mailbox. Immutable.
 *
 * @param type        what happened
 * @param owner       the user whose mailbox it is (taken from the mailbox name, not from the acting user)
 * @param mailbox     the name in Unicode, INBOX normalised: as the client sees it where the server names mailboxes
 *                    as the client does ({@code separator} {@link MailboxNames#NO_SEPARATOR}: Dovecot, xapsd);
 *                    from Cyrus, the path below the owner's INBOX ({@code Sent}, {@code INBOX} for the INBOX itself),
 *                    which a client sees as it is or under INBOX depending on Cyrus's {@code altnamespace}
 *                    ({@link #clientNames()})
 * @param uidValidity the mailbox's UIDVALIDITY, {@code 0} when not given
 * @param uid         the message UID for new mail, {@code 0} when not given
 * @param occurredAt  when the server says it happened; the receive time when it does not say
 * @param receivedAt  when mailpush took it in ({@link System#nanoTime()}), for latency figures
 * @param mailboxType mail, calendar, address book or other ({@code vnd.cmu.mbtype}); mail where the server has only
 *                    mail
 * @param collectionId the mailbox's unique id ({@code mailboxUniqueId}, else {@code mailboxID}) where the server
 *                    gives it, {@code null} otherwise; what DAV routing matches subscriptions by
 * @param separator   the server's hierarchy separator as the event's mailbox name showed it ({@code /} or
 *                    {@code .}), {@link MailboxNames#NO_SEPARATOR} when the server names mailboxes as clients do
 */
public record MailboxEvent(String source, EventType type, String owner, String mailbox, long uidValidity, long uid,
                           Instant occurredAt, long receivedAt, MailboxType mailboxType, String collectionId,
                           char separator)
        implements IntakeEvent {

    public MailboxEvent {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(mailboxType, "mailboxType");
        mailbox = MailboxNames.normalize(Objects.requireNonNull(mailbox, "mailbox"));
    }

    /** A change whose mailbox is named as the client names it: no separator to read ({@code NO_SEPARATOR}). */
    public MailboxEvent(final String source, final EventType type, final String owner, final String mailbox,
                        final long uidValidity, final long uid, final Instant occurredAt, final long receivedAt,
                        final MailboxType mailboxType, final String collectionId) {
        this(source, type, owner, mailbox, uidValidity, uid, occurredAt, receivedAt, mailboxType, collectionId,
                MailboxNames.NO_SEPARATOR);
    }

    /** A change in a mail mailbox, from a server that names no mailbox type or unique id (Dovecot, xapsd). */
    public MailboxEvent(final String source, final EventType type, final String owner, final String mailbox,
                        final long uidValidity, final long uid, final Instant occurredAt, final long receivedAt) {
        this(source, type, owner, mailbox, uidValidity, uid, occurredAt, receivedAt, MailboxType.MAIL, null);
    }

    /** The names a device may have registered for this mailbox: {@link MailboxNames#clientNames}. */
    public List<String> clientNames() {
        return MailboxNames.clientNames(mailbox, separator);
    }
}
