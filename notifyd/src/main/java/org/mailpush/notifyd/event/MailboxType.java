package org.mailpush.notifyd.event;

/**
 * What kind of mailbox an event is about. Cyrus keeps calendars and address books as mailboxes too and says which in
 * {@code vnd.cmu.mbtype}; mail routing takes only {@link #MAIL}, DAV routing only {@link #CALENDAR} and
 * {@link #ADDRESSBOOK}, so a calendar write never pushes a mail device.
 */
public enum MailboxType {
    /** {@code e}, or no {@code vnd.cmu.mbtype} at all (Cyrus before 3.0 wrote {@code ""}; Dovecot has only mail). */
    MAIL,
    /** {@code c}: a calendar (CalDAV). */
    CALENDAR,
    /** {@code a}: an address book (CardDAV). */
    ADDRESSBOOK,
    /** Any other type ({@code b} for attachments, {@code n} notes, ...): nothing to push. */
    OTHER;

    /** The type Cyrus's {@code vnd.cmu.mbtype} names; {@code null} or empty is mail. */
    public static MailboxType ofCyrusMbtype(final String mbtype) {
        if (mbtype == null || mbtype.isEmpty()) {
            return MAIL;
        }
        return switch (mbtype) {
            case "e" -> MAIL;
            case "c" -> CALENDAR;
            case "a" -> ADDRESSBOOK;
            default -> OTHER;
        };
    }
}
