package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailpush.common.mail.MailboxNames;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The URI forms below were captured from a real Cyrus 3.6.1 with each combination of altnamespace,
 * unixhierarchysep and virtdomains (folders "Work Stuff" and "Entw&APw-rfe" created, a message appended to each).
 * Nothing is configured: the parser reads separator and domain off the URI, and gives the path below INBOX, which
 * routing matches under either of altnamespace's forms.
 */
class CyrusMailboxNamesTest {

    @Test
    void inboxAndFoldersWithTheDefaults() throws Exception {
        assertLocation("imap://vm/user/test;UIDVALIDITY=1795733256/;UID=1", "test", "INBOX", '/', 1795733256L, 1);
        assertLocation("imap://vm/user/test;UIDVALIDITY=1795733256", "test", "INBOX", '/', 1795733256L, 0);
        assertLocation("imap://vm/user/test/Sent;UIDVALIDITY=7", "test", "Sent", '/', 7, 0);
        assertLocation("imap://localhost/user/test/Work%20Stuff;UIDVALIDITY=1795736970/;UID=1",
                "test", "Work Stuff", '/', 1795736970L, 1);
        assertLocation("imap://localhost/user/test/Entw%C3%BCrfe;UIDVALIDITY=1795736970/;UID=1",
                "test", "Entwürfe", '/', 1795736970L, 1);
        assertLocation("imap://vm/user/alice/Work%20Stuff/2026;UIDVALIDITY=9", "alice", "Work Stuff/2026", '/', 9,
                0);
        assertLocation("imap://vm/user/john.doe/Sent;UIDVALIDITY=9", "john.doe", "Sent", '/', 9, 0);
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
                final CyrusMailboxNames.Location location = CyrusMailboxNames.locate(uri).orElseThrow();
                assertThat(location.owner()).as(uri).isEqualTo("test");
                assertThat(location.uidValidity()).as(uri).isEqualTo(1795733256L);
                assertThat(location.separator()).as(uri).isEqualTo('/');
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

    /**
     * Each of the 8 combinations: the URI Cyrus writes (altnamespace does not change it), and the names the client
     * sees and registers (it does). What the parser reads must be what routing matches to those names.
     */
    @ParameterizedTest(name = "altnamespace {0}, unixhierarchysep {1}, virtdomains {2}")
    @CsvSource({"true,true,false", "true,false,false", "false,true,false", "false,false,false",
            "true,true,true", "true,false,true", "false,true,true", "false,false,true"})
    void everyNamespaceCombinationRoutesWithoutSettings(final boolean altNamespace, final boolean unixSeparator,
                                                        final boolean virtDomains) throws Exception {
        final char separator = unixSeparator ? '/' : '.';
        final String domain = virtDomains ? "@example.com" : "";
        final String owner = "test" + domain;
        final String prefix = "imap://localhost/user" + separator + "test";
        final String inboxPrefix = altNamespace ? "" : "INBOX" + separator;
        final String[][] cases = {
                // URI path after the owner, the folder below INBOX, what the client calls it
                {"", "INBOX", "INBOX"},
                {separator + "Work%20Stuff", "Work Stuff", inboxPrefix + "Work Stuff"},
                {separator + "Entw%C3%BCrfe", "Entwürfe", inboxPrefix + "Entwürfe"},
                {separator + "Work%20Stuff" + separator + "Q1", "Work Stuff" + separator + "Q1",
                        inboxPrefix + "Work Stuff" + separator + "Q1"},
                {separator + "%23calendars" + separator + "Default", "#calendars" + separator + "Default",
                        inboxPrefix + "#calendars" + separator + "Default"},
        };
        for (final String[] c : cases) {
            final String uri = prefix + c[0] + domain.replace("@", "%40") + ";UIDVALIDITY=1795736978/;UID=1";
            final CyrusMailboxNames.Location location = CyrusMailboxNames.locate(uri).orElseThrow();
            assertThat(location).as(uri).isEqualTo(new CyrusMailboxNames.Location(owner, c[1], separator,
                    1795736978L, 1));
            assertThat(MailboxNames.watches(MailboxNames.normalizeAll(List.of(c[2])), location.mailbox(),
                    location.separator())).as("%s registered as %s", uri, c[2]).isTrue();
            // INBOX's registration never hears of a folder, a folder's never of INBOX.
            assertThat(MailboxNames.watches(Set.of("INBOX"), location.mailbox(), location.separator()))
                    .as(uri).isEqualTo("INBOX".equals(c[1]));
        }
        // The other separator's form of a folder is another name.
        final char other = unixSeparator ? '.' : '/';
        final CyrusMailboxNames.Location sent = CyrusMailboxNames.locate(prefix + separator + "Sent" + domain
                + ";UIDVALIDITY=1").orElseThrow();
        assertThat(MailboxNames.watches(Set.of("INBOX" + other + "Sent"), sent.mailbox(), sent.separator()))
                .isFalse();
    }

    @Test
    void withoutUnixHierarchySepTheSeparatorIsADot() throws Exception {
        assertLocation("imap://localhost/user.test.Work%20Stuff;UIDVALIDITY=1795736974/;UID=1",
                "test", "Work Stuff", '.', 1795736974L, 1);
        assertLocation("imap://localhost/user.test;UIDVALIDITY=1795736974/;UID=1",
                "test", "INBOX", '.', 1795736974L, 1);
        assertLocation("imap://localhost/user.test.Entw%C3%BCrfe;UIDVALIDITY=1", "test", "Entwürfe", '.', 1, 0);
        assertLocation("imap://localhost/user.test.Work%20Stuff.Q1;UIDVALIDITY=1", "test", "Work Stuff.Q1", '.', 1,
                0);
        // A slash is part of a name under the dot separator.
        assertLocation("imap://localhost/user.test.a%2Fb;UIDVALIDITY=1", "test", "a/b", '.', 1, 0);
    }

    @Test
    void virtualDomainsPutTheDomainAfterTheWholeName() throws Exception {
        assertLocation("imap://localhost/user/test%40example.com;UIDVALIDITY=1795736978/;UID=1",
                "test@example.com", "INBOX", '/', 1795736978L, 1);
        assertLocation("imap://localhost/user/test/Work%20Stuff%40example.com;UIDVALIDITY=1795736978/;UID=1",
                "test@example.com", "Work Stuff", '/', 1795736978L, 1);
        assertLocation("imap://localhost/user/test/Entw%C3%BCrfe%40example.com;UIDVALIDITY=1",
                "test@example.com", "Entwürfe", '/', 1, 0);
        assertLocation("imap://localhost/user.test.Sent%40mail.example.co.uk;UIDVALIDITY=1",
                "test@mail.example.co.uk", "Sent", '.', 1, 0);
        // A default-domain user has no @ at all.
        assertLocation("imap://localhost/user/test;UIDVALIDITY=1", "test", "INBOX", '/', 1, 0);
    }

    @Test
    void anAtSignNotFollowedByADomainIsPartOfTheName() throws Exception {
        assertLocation("imap://vm/user/test/a%40b;UIDVALIDITY=1", "test", "a@b", '/', 1, 0);
        assertLocation("imap://vm/user/test/a%40b/c.d;UIDVALIDITY=1", "test", "a@b/c.d", '/', 1, 0);
        assertLocation("imap://vm/user/test/x%40-bad.com;UIDVALIDITY=1", "test", "x@-bad.com", '/', 1, 0);
        assertLocation("imap://vm/user/test/x%40bad..com;UIDVALIDITY=1", "test", "x@bad..com", '/', 1, 0);
        assertLocation("imap://vm/user/test/me%40;UIDVALIDITY=1", "test", "me@", '/', 1, 0);
        assertThat(CyrusMailboxNames.isDomain("example.com", 0)).isTrue();
        assertThat(CyrusMailboxNames.isDomain("x@a-b.example", 2)).isTrue();
        assertThat(CyrusMailboxNames.isDomain("localhost", 0)).isFalse();
        assertThat(CyrusMailboxNames.isDomain("a.", 0)).isFalse();
        assertThat(CyrusMailboxNames.isDomain(".a", 0)).isFalse();
        assertThat(CyrusMailboxNames.isDomain("a.b-", 0)).isFalse();
        assertThat(CyrusMailboxNames.isDomain("a." + "b".repeat(64), 0)).isFalse();
        assertThat(CyrusMailboxNames.isDomain("ex ample.com", 0)).isFalse();
    }

    @Test
    void sharedMailboxesHaveNoOwner() throws Exception {
        assertThat(CyrusMailboxNames.locate("imap://vm/shared/news;UIDVALIDITY=1")).isEmpty();
        assertThat(CyrusMailboxNames.locate("imap://vm/user;UIDVALIDITY=1")).isEmpty();
        assertThat(CyrusMailboxNames.locate("imap://vm/user/;UIDVALIDITY=1")).isEmpty();
        assertThat(CyrusMailboxNames.locate("imap://vm/userx/test;UIDVALIDITY=1")).isEmpty();
        assertThat(CyrusMailboxNames.locate("imap://vm/users/test;UIDVALIDITY=1")).isEmpty();
        assertThat(CyrusMailboxNames.locate("imap://vm/Other%20Users/test;UIDVALIDITY=1")).isEmpty();
    }

    @Test
    void refusesWhatIsNotAnImapUrl() {
        assertBad("http://vm/user/test;UIDVALIDITY=1");
        assertBad("imap://vm");
        assertBad("imap://vm/user/test%2;UIDVALIDITY=1");
        assertBad("imap://vm/user/test%zz;UIDVALIDITY=1");
        assertBad("imap://vm/user/test%C3;UIDVALIDITY=1");
        assertBad("imap://vm/user/test;UIDVALIDITY=99999999999999999999999");
        assertBad("imap://vm/user//Sent;UIDVALIDITY=1");
    }

    private static void assertLocation(final String uri, final String owner, final String mailbox,
                                       final char separator, final long uidValidity, final long uid)
            throws Exception {
        assertThat(CyrusMailboxNames.locate(uri)).as(uri)
                .contains(new CyrusMailboxNames.Location(owner, mailbox, separator, uidValidity, uid));
    }

    private static void assertBad(final String uri) {
        assertThatThrownBy(() -> CyrusMailboxNames.locate(uri)).as(uri)
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(((BadInputException) e).kind()).isEqualTo(BadInputKind.BAD_URI));
    }
}
