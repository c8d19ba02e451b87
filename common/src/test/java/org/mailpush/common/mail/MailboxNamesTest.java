package org.mailpush.common.mail;

import org.junit.jupiter.api.Test;

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
}
