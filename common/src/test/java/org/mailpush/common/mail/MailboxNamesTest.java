package org.mailpush.common.mail;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class MailboxNamesTest {

    @Test
    void inboxIsCaseInsensitiveOtherNamesAreNot() {
        assertThat(MailboxNames.normalize("inbox")).isEqualTo("INBOX");
        assertThat(MailboxNames.normalize("Inbox/Sent")).isEqualTo("INBOX/Sent");
        assertThat(MailboxNames.normalize("inbox.sent")).isEqualTo("INBOX.sent");
        assertThat(MailboxNames.normalize("Inboxes")).isEqualTo("Inboxes");
        assertThat(MailboxNames.normalize("Sent")).isEqualTo("Sent");
        assertThat(MailboxNames.normalize("INB")).isEqualTo("INB");
    }

    @Test
    void inboxItselfHasOneNameWhateverTheSeparator() {
        for (final char separator : new char[] {'/', '.', MailboxNames.NO_SEPARATOR}) {
            assertThat(MailboxNames.clientNames("INBOX", separator)).containsExactly("INBOX");
            assertThat(MailboxNames.clientNames("inbox", separator)).containsExactly("INBOX");
            assertThat(watches(separator, "INBOX", "INBOX")).isTrue();
            assertThat(watches(separator, "INBOX", "Inbox")).as("registered in any case").isTrue();
            assertThat(watches(separator, "INBOX", "INBOX/INBOX")).isFalse();
            assertThat(watches(separator, "INBOX", "INBOX.INBOX")).isFalse();
            assertThat(watches(separator, "INBOX", "Sent")).isFalse();
        }
    }

    @Test
    void aFolderIsWatchedAsItIsOrUnderInboxWithTheServersSeparator() {
        assertThat(MailboxNames.clientNames("Sent", '/')).containsExactly("Sent", "INBOX/Sent");
        assertThat(MailboxNames.clientNames("Sent", '.')).containsExactly("Sent", "INBOX.Sent");
        // altnamespace: the client sees the folder beside INBOX.
        assertThat(watches('/', "Sent", "Sent")).isTrue();
        assertThat(watches('.', "Sent", "Sent")).isTrue();
        // no altnamespace: the client sees it under INBOX, in any case of INBOX.
        assertThat(watches('/', "Sent", "INBOX/Sent")).isTrue();
        assertThat(watches('/', "Sent", "inbox/Sent")).isTrue();
        assertThat(watches('.', "Sent", "INBOX.Sent")).isTrue();
        assertThat(watches('.', "Sent", "Inbox.Sent")).isTrue();
        // The other separator is another name.
        assertThat(watches('/', "Sent", "INBOX.Sent")).isFalse();
        assertThat(watches('.', "Sent", "INBOX/Sent")).isFalse();
        // Other names are compared exactly.
        assertThat(watches('/', "Sent", "sent")).isFalse();
        assertThat(watches('/', "Sent", "INBOX/sent")).isFalse();
        assertThat(watches('/', "Sent", "Sent/Sub")).isFalse();
        assertThat(watches('/', "Sent", "Trash")).isFalse();
    }

    @Test
    void childrenOfFoldersKeepTheirPath() {
        assertThat(watches('/', "Work/2026", "Work/2026")).isTrue();
        assertThat(watches('/', "Work/2026", "INBOX/Work/2026")).isTrue();
        assertThat(watches('/', "Work/2026", "Work")).isFalse();
        assertThat(watches('/', "Work/2026", "2026")).isFalse();
        assertThat(watches('.', "Work Stuff.Q1", "Work Stuff.Q1")).isTrue();
        assertThat(watches('.', "Work Stuff.Q1", "INBOX.Work Stuff.Q1")).isTrue();
        assertThat(watches('.', "Work Stuff.Q1", "INBOX/Work Stuff.Q1")).isFalse();
        assertThat(watches('/', "Entwürfe", "INBOX/Entwürfe")).isTrue();
    }

    @Test
    void aFolderLiterallyNamedLikeAnInboxChildUnderTheOtherSeparatorIsItsOwnName() {
        // Under '/', "INBOX.x" is one folder name below INBOX (internally user/test/INBOX.x), not INBOX's child x.
        assertThat(MailboxNames.clientNames("INBOX.x", '/')).containsExactly("INBOX.x", "INBOX/INBOX.x");
        assertThat(watches('/', "INBOX.x", "INBOX.x")).isTrue();
        assertThat(watches('/', "INBOX.x", "INBOX/INBOX.x")).isTrue();
        assertThat(watches('/', "INBOX.x", "x")).isFalse();
        assertThat(watches('/', "INBOX.x", "INBOX/x")).isFalse();
        // and a change in x is not one in that folder.
        assertThat(watches('/', "x", "INBOX.x")).isFalse();
        // The same under '.': "INBOX/x" is one name.
        assertThat(watches('.', "INBOX/x", "INBOX.INBOX/x")).isTrue();
        assertThat(watches('.', "x", "INBOX/x")).isFalse();
    }

    @Test
    void withoutAKnownSeparatorNamesAreMatchedAsTheyAre() {
        assertThat(MailboxNames.clientNames("Sent", MailboxNames.NO_SEPARATOR)).containsExactly("Sent");
        assertThat(MailboxNames.clientNames("inbox/Sent", MailboxNames.NO_SEPARATOR)).containsExactly("INBOX/Sent");
        assertThat(watches(MailboxNames.NO_SEPARATOR, "Sent", "Sent")).isTrue();
        assertThat(watches(MailboxNames.NO_SEPARATOR, "Sent", "INBOX/Sent")).isFalse();
        assertThat(watches(MailboxNames.NO_SEPARATOR, "INBOX/Sent", "inbox/Sent")).isTrue();
    }

    @Test
    void namesCarryingADomainAreJustNames() {
        // The domain belongs to the owner, never to the mailbox; a folder with an @ is a folder with an @.
        assertThat(watches('/', "a@b", "a@b")).isTrue();
        assertThat(watches('/', "a@b", "INBOX/a@b")).isTrue();
        assertThat(watches('/', "a@b", "a")).isFalse();
    }

    @Test
    void anyOfSeveralWatchedMailboxesWill() {
        final Set<String> watched = MailboxNames.normalizeAll(java.util.List.of("inbox", "INBOX/Sent", "Notes"));
        assertThat(MailboxNames.watches(watched, "Sent", '/')).isTrue();
        assertThat(MailboxNames.watches(watched, "Notes", '.')).isTrue();
        assertThat(MailboxNames.watches(watched, "INBOX", '.')).isTrue();
        assertThat(MailboxNames.watches(watched, "Sent", '.')).isFalse();
        assertThat(MailboxNames.watches(watched, "Trash", '/')).isFalse();
        assertThat(MailboxNames.watches(Set.of(), "INBOX", '/')).isFalse();
    }

    private static boolean watches(final char separator, final String changed, final String registered) {
        return MailboxNames.watches(MailboxNames.normalizeAll(java.util.List.of(registered)), changed, separator);
    }
}
