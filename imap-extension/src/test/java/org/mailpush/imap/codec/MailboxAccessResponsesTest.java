package org.mailpush.imap.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The answers the proxy reads before it confirms a mailbox, as Dovecot and Cyrus send them. */
class MailboxAccessResponsesTest {

    private static byte[] bytes(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void namespacesOfDovecotAndCyrus() throws Exception {
        final MailboxAccessResponses.Namespaces dovecot = MailboxAccessResponses.namespaces(bytes(
                "* NAMESPACE ((\"\" \"/\")) ((\"shared/\" \"/\")) NIL\r\n"));
        assertThat(dovecot.personal()).containsExactly("");
        assertThat(dovecot.notPersonal("shared/bob/INBOX")).isTrue();
        assertThat(dovecot.notPersonal("shared")).isTrue();
        assertThat(dovecot.notPersonal("INBOX")).isFalse();
        assertThat(dovecot.notPersonal("sharedthings")).isFalse();
        final MailboxAccessResponses.Namespaces cyrus = MailboxAccessResponses.namespaces(bytes(
                "* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) ((\"Shared Folders/\" \"/\" \"X-EXT\" (\"a\")))"
                        + "\r\n"));
        assertThat(cyrus.notPersonal("Other Users/bob")).isTrue();
        assertThat(cyrus.notPersonal("Shared Folders/news")).isTrue();
        assertThat(cyrus.notPersonal("Sent")).isFalse();
        final MailboxAccessResponses.Namespaces emptyShared = MailboxAccessResponses.namespaces(bytes(
                "* NAMESPACE ((\"INBOX.\" \".\")) NIL ((\"\" \".\"))\r\n"));
        assertThat(emptyShared.notPersonal("INBOX.Sent")).as("an empty prefix excludes nothing").isFalse();
    }

    @Test
    void myRightsAndStatus() throws Exception {
        final MailboxAccessResponses.MyRights full = MailboxAccessResponses.myRights(bytes(
                "* MYRIGHTS \"INBOX\" lrswipkxtecda\r\n"));
        assertThat(full.mailbox()).isEqualTo("INBOX");
        assertThat(full.mayRead()).isTrue();
        assertThat(MailboxAccessResponses.myRights(bytes("* MYRIGHTS {6}\r\nShared l\r\n")).mayRead()).isFalse();
        assertThat(MailboxAccessResponses.statusMailbox(bytes("* STATUS \"Sent Items\" (MESSAGES 3)\r\n")))
                .isEqualTo("Sent Items");
        assertThatThrownBy(() -> MailboxAccessResponses.myRights(bytes("* LIST () \"/\" INBOX\r\n")))
                .isInstanceOf(ImapSyntaxException.class);
        assertThatThrownBy(() -> MailboxAccessResponses.namespaces(bytes("* NAMESPACE ((\"\" \"/\")\r\n")))
                .isInstanceOf(ImapSyntaxException.class);
    }
}
