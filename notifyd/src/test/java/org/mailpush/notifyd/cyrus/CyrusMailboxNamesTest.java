package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.Test;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The URI forms below were captured from a real Cyrus 3.6.1 with each combination of altnamespace,
 * unixhierarchysep and virtdomains (folders "Work Stuff" and "Entw&APw-rfe" created, a message appended to each).
 */
class CyrusMailboxNamesTest {

    private static final CyrusNamespace DEFAULT = CyrusNamespace.DEFAULT;
    private static final CyrusNamespace STANDARD_DOTS = new CyrusNamespace(false, false, false);
    private static final CyrusNamespace ALT_DOTS = new CyrusNamespace(true, false, false);
    private static final CyrusNamespace STANDARD_SLASH = new CyrusNamespace(false, true, false);
    private static final CyrusNamespace VIRTUAL = new CyrusNamespace(true, true, true);

    @Test
    void inboxAndFoldersWithTheDefaults() throws Exception {
        assertLocation(DEFAULT, "imap://vm/user/test;UIDVALIDITY=1795733256/;UID=1", "test", "INBOX", 1795733256L, 1);
        assertLocation(DEFAULT, "imap://vm/user/test;UIDVALIDITY=1795733256", "test", "INBOX", 1795733256L, 0);
        assertLocation(DEFAULT, "imap://vm/user/test/Sent;UIDVALIDITY=7", "test", "Sent", 7, 0);
        assertLocation(DEFAULT, "imap://localhost/user/test/Work%20Stuff;UIDVALIDITY=1795736970/;UID=1",
                "test", "Work Stuff", 1795736970L, 1);
        assertLocation(DEFAULT, "imap://localhost/user/test/Entw%C3%BCrfe;UIDVALIDITY=1795736970/;UID=1",
                "test", "Entwürfe", 1795736970L, 1);
        assertLocation(DEFAULT, "imap://vm/user/alice/Work%20Stuff/2026;UIDVALIDITY=9", "alice", "Work Stuff/2026", 9,
                0);
    }

    @Test
    void everyCapturedUriMapsToItsOwnerAndMailbox() throws Exception {
        final NotifyDatagramParser datagrams = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        final java.util.Map<String, String> mailboxes = new java.util.TreeMap<>();
        for (final java.nio.file.Path file : Fixtures.datagrams()) {
            final String uri = json.readTree(datagrams.parse(java.nio.file.Files.readAllBytes(file)).message())
                    .path("uri").asText(null);
            if (uri != null) {
                final CyrusMailboxNames.Location location = new CyrusMailboxNames(DEFAULT).locate(uri).orElseThrow();
                assertThat(location.owner()).as(uri).isEqualTo("test");
                assertThat(location.uidValidity()).as(uri).isEqualTo(1795733256L);
                mailboxes.put(file.getFileName().toString(), location.mailbox());
            }
        }
        assertThat(mailboxes).hasSize(11)
                .containsEntry("01-MailboxCreate.dgram", "INBOX")
                .containsEntry("02-MailboxCreate.dgram", "Sent")
                .containsEntry("03-MailboxCreate.dgram", "Trash")
                .containsEntry("06-MessageNew.dgram", "INBOX")
                .containsEntry("13-MessageExpunge.dgram", "INBOX");
    }

    @Test
    void withoutAltnamespaceFoldersAreUnderInbox() throws Exception {
        assertLocation(STANDARD_SLASH, "imap://vm/user/test/Sent;UIDVALIDITY=7", "test", "INBOX/Sent", 7, 0);
        assertLocation(STANDARD_SLASH, "imap://vm/user/test;UIDVALIDITY=7", "test", "INBOX", 7, 0);
    }

    @Test
    void withoutUnixHierarchySepTheSeparatorIsADot() throws Exception {
        assertLocation(STANDARD_DOTS, "imap://localhost/user.test.Work%20Stuff;UIDVALIDITY=1795736974/;UID=1",
                "test", "INBOX.Work Stuff", 1795736974L, 1);
        assertLocation(STANDARD_DOTS, "imap://localhost/user.test;UIDVALIDITY=1795736974/;UID=1",
                "test", "INBOX", 1795736974L, 1);
        assertLocation(STANDARD_DOTS, "imap://localhost/user.test.Entw%C3%BCrfe;UIDVALIDITY=1",
                "test", "INBOX.Entwürfe", 1, 0);
        assertLocation(ALT_DOTS, "imap://localhost/user.test.Work%20Stuff.Q1;UIDVALIDITY=1",
                "test", "Work Stuff.Q1", 1, 0);
    }

    @Test
    void virtualDomainsPutTheDomainAfterTheWholeName() throws Exception {
        assertLocation(VIRTUAL, "imap://localhost/user/test%40example.com;UIDVALIDITY=1795736978/;UID=1",
                "test@example.com", "INBOX", 1795736978L, 1);
        assertLocation(VIRTUAL, "imap://localhost/user/test/Work%20Stuff%40example.com;UIDVALIDITY=1795736978/;UID=1",
                "test@example.com", "Work Stuff", 1795736978L, 1);
        assertLocation(VIRTUAL, "imap://localhost/user/test/Entw%C3%BCrfe%40example.com;UIDVALIDITY=1",
                "test@example.com", "Entwürfe", 1, 0);
        // A default-domain user has no @ at all.
        assertLocation(VIRTUAL, "imap://localhost/user/test;UIDVALIDITY=1", "test", "INBOX", 1, 0);
    }

    @Test
    void withoutVirtualDomainsAnAtSignIsPartOfTheName() throws Exception {
        assertLocation(DEFAULT, "imap://vm/user/test/a%40b;UIDVALIDITY=1", "test", "a@b", 1, 0);
    }

    @Test
    void sharedMailboxesHaveNoOwner() throws Exception {
        assertThat(new CyrusMailboxNames(DEFAULT).locate("imap://vm/shared/news;UIDVALIDITY=1")).isEmpty();
        assertThat(new CyrusMailboxNames(DEFAULT).locate("imap://vm/user;UIDVALIDITY=1")).isEmpty();
        assertThat(new CyrusMailboxNames(DEFAULT).locate("imap://vm/userx/test;UIDVALIDITY=1")).isEmpty();
    }

    @Test
    void refusesWhatIsNotAnImapUrl() {
        assertBad("http://vm/user/test;UIDVALIDITY=1");
        assertBad("imap://vm");
        assertBad("imap://vm/user/test%2;UIDVALIDITY=1");
        assertBad("imap://vm/user/test%zz;UIDVALIDITY=1");
        assertBad("imap://vm/user/test%C3;UIDVALIDITY=1");
        assertBad("imap://vm/user/test;UIDVALIDITY=99999999999999999999999");
    }

    private static void assertLocation(final CyrusNamespace namespace, final String uri, final String owner,
                                       final String mailbox, final long uidValidity, final long uid) throws Exception {
        assertThat(new CyrusMailboxNames(namespace).locate(uri)).as(uri)
                .contains(new CyrusMailboxNames.Location(owner, mailbox, uidValidity, uid));
    }

    private static void assertBad(final String uri) {
        assertThatThrownBy(() -> new CyrusMailboxNames(DEFAULT).locate(uri)).as(uri)
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(((BadInputException) e).kind()).isEqualTo(BadInputKind.BAD_URI));
    }
}
