package org.mailpush.common.mail;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Mailbox name comparison as IMAP defines it: {@code INBOX} is case-insensitive (RFC 3501 §5.1), every other name
 * is compared exactly. Names are normalised once, when stored and when looked up, so equality is plain equality.
 */
public final class MailboxNames {

    public static final String INBOX = "INBOX";

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
}
