package org.mailpush.common.mail;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Mailbox name comparison as IMAP defines it: {@code INBOX} is case-insensitive (RFC 3501 §5.1), every other name
 * is compared exactly. Names are normalised once, when stored and when looked up, so equality is plain equality.
 *
 * <p>Which registered names a change concerns is {@link #clientNames}: the one rule, used by mail routing and by the
 * store's lookups alike. Stateless and thread-safe.</p>
 */
public final class MailboxNames {

    public static final String INBOX = "INBOX";

    /**
     * The hierarchy separator of a change whose server does not say how it separates folders (Dovecot, the xaps
     * plugin: they name mailboxes exactly as the client does): names are matched as they are.
     */
    public static final char NO_SEPARATOR = 0;

    private MailboxNames() {
    }

    /**
     * Upper-cases a leading {@code INBOX} component (alone, or followed by {@code /} or {@code .}, the two hierarchy
     * separators a Cyrus can use) and leaves the rest untouched.
     */
    public static String normalize(final String mailbox) {
        if (mailbox.length() >= INBOX.length() && mailbox.regionMatches(true, 0, INBOX, 0, INBOX.length())) {
            if (mailbox.length() == INBOX.length()) {
                return INBOX;
            }
            final char next = mailbox.charAt(INBOX.length());
            if (next == '/' || next == '.') {
                return INBOX + mailbox.substring(INBOX.length());
            }
        }
        return mailbox;
    }

    /**
     * Normalises every name, keeping the order, dropping duplicates; an absent set becomes empty. The result is
     * immutable and compact; a set this method made is returned as it is.
     */
    public static Set<String> normalizeAll(final Collection<String> mailboxes) {
        if (mailboxes instanceof MailboxSet already) {
            return already;
        }
        if (mailboxes == null || mailboxes.isEmpty()) {
            return MailboxSet.EMPTY;
        }
        final Set<String> result = new LinkedHashSet<>();
        for (final String mailbox : mailboxes) {
            result.add(normalize(mailbox));
        }
        return new MailboxSet(result.toArray(String[]::new));
    }

    /**
     * Every name a client may have registered for a change in {@code mailbox}, most likely first.
     *
     * <p>{@code mailbox} is the changed mailbox's path below its owner's INBOX as the server names it ({@code Sent},
     * {@code Work/2026}), or {@code INBOX} for the INBOX itself; {@code separator} the server's hierarchy separator
     * ({@code /} or {@code .}), {@link #NO_SEPARATOR} when it does not say. A client names a folder either as it is
     * (Cyrus with {@code altnamespace}, the 3.x default) or under INBOX ({@code INBOX/Sent}, {@code INBOX.Sent}:
     * Cyrus without {@code altnamespace}). The server's event does not tell which of the two namespaces the client
     * sees, so both names match; INBOX itself is only {@code INBOX}. A folder literally named {@code INBOX.x} under the
     * {@code /} separator is {@code INBOX.x} and {@code INBOX/INBOX.x}, never {@code x}.</p>
     *
     * <p>Where an altnamespace server has both {@code Sent} and a child of INBOX named {@code Sent}, a device
     * watching {@code INBOX/Sent} also hears of changes in {@code Sent}: one wake-up too many, which costs a fetch,
     * rather than one too few, which costs a missed mail.</p>
     */
    public static List<String> clientNames(final String mailbox, final char separator) {
        final String name = normalize(mailbox);
        if (separator == NO_SEPARATOR || INBOX.equals(name)) {
            return List.of(name);
        }
        return List.of(name, INBOX + separator + name);
    }

    /**
     * Whether a device watching {@code watched} (normalised names, as stored) hears of a change whose
     * {@link #clientNames} are {@code names}.
     */
    public static boolean watchesAny(final Set<String> watched, final List<String> names) {
        for (final String name : names) {
            if (watched.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #watchesAny} of the {@link #clientNames} of {@code mailbox}. */
    public static boolean watches(final Set<String> watched, final String mailbox, final char separator) {
        return watchesAny(watched, clientNames(mailbox, separator));
    }
}
