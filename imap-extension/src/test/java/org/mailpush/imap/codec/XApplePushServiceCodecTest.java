package org.mailpush.imap.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Byte-exact transcripts of the command as iOS sends it and of the replies as Cyrus 3.6.1 writes them (captured
 * from the real server: protocols.md §1 and this project's own runs against Debian's cyrus-imapd).
 */
class XApplePushServiceCodecTest {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String TOPIC = "com.apple.mail.XServer.12345678-1234-1234-1234-123456789012";

    static XApplePushServiceRequest parse(final String command) throws ImapReply {
        return XApplePushServiceParser.parse(command.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void olderIosForm() throws Exception {
        final XApplePushServiceRequest request = parse("a1 XAPPLEPUSHSERVICE aps-version 2 aps-account-id "
                + "0715A26B-CA09-4730-A419-793000CA982E aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail mailboxes (INBOX Notes)\r\n");
        assertThat(request).isEqualTo(new XApplePushServiceRequest("a1", 2, "0715A26B-CA09-4730-A419-793000CA982E",
                TOKEN, "com.apple.mobilemail", List.of("INBOX", "Notes")));
    }

    @Test
    void recentIosFormWithEveryTokenQuotedAndAnUnknownKey() throws Exception {
        final XApplePushServiceRequest request = parse("a1 XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-account-id\""
                + " \"ACC\" \"aps-device-token\" \"" + TOKEN + "\" \"aps-subtopic\" \"com.apple.mobilemail\""
                + " \"mailboxes\" (\"INBOX\" \"Sent Messages\") \"sender\" \"x@example.org\"\r\n");
        assertThat(request.mailboxes()).containsExactly("INBOX", "Sent Messages");
        assertThat(request.accountId()).isEqualTo("ACC");
    }

    @Test
    void keysInAnyOrderLiteralsAndUnknownListValues() throws Exception {
        final XApplePushServiceRequest request = parse("t7 xapplepushservice mailboxes ({5+}\r\nINBOX \"Work Stuff\""
                + " Entw&APw-rfe) future (a (b c)) aps-subtopic {20}\r\ncom.apple.mobilemail aps-device-token "
                + TOKEN.toUpperCase() + " aps-account-id {3+}\r\nACC aps-version 2\r\n");
        assertThat(request).isEqualTo(new XApplePushServiceRequest("t7", 2, "ACC", TOKEN, "com.apple.mobilemail",
                List.of("INBOX", "Work Stuff", "Entw&APw-rfe")));
    }

    @Test
    void emptyOrMissingMailboxesAndVersions() throws Exception {
        assertThat(parse("a XAPPLEPUSHSERVICE aps-version 2 aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic s mailboxes ()\r\n").mailboxes()).isEmpty();
        assertThat(parse("a XAPPLEPUSHSERVICE aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic s\r\n").version()).as("absent: 2, as Cyrus").isEqualTo(2);
        assertThat(parse("a XAPPLEPUSHSERVICE aps-version 3 aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic s\r\n").version()).as("2 is the most there is").isEqualTo(2);
        assertThat(parse("a XAPPLEPUSHSERVICE aps-version 1 aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic s mailboxes (Sent)\r\n").version()).isEqualTo(1);
    }

    @Test
    void repliesAsCyrusDoes() throws Exception {
        final XApplePushServiceRequest request = parse("a1 XAPPLEPUSHSERVICE aps-version 2 aps-account-id A "
                + "aps-device-token " + TOKEN + " aps-subtopic com.apple.mobilemail mailboxes (INBOX Sent Nope)\r\n");
        assertThat(XApplePushServiceResponses.success(request, List.of("INBOX", "Sent"), TOPIC)).isEqualTo(
                "* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"\r\n"
                        + "* XAPPLEPUSHSERVICE \"mailbox\" \"Sent\"\r\n"
                        + "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + TOPIC + "\"\r\n"
                        + "a1 OK XAPPLEPUSHSERVICE completed.\r\n");
    }

    @Test
    void versionOneGetsNoMailboxLinesLikeCyrus() throws Exception {
        final XApplePushServiceRequest request = parse("a2 XAPPLEPUSHSERVICE aps-version 1 aps-account-id ACC "
                + "aps-device-token " + TOKEN + " aps-subtopic com.apple.mobilemail mailboxes (Sent)\r\n");
        assertThat(XApplePushServiceResponses.success(request, List.of("INBOX"), TOPIC)).isEqualTo(
                "* XAPPLEPUSHSERVICE \"aps-version\" \"1\" \"aps-topic\" \"" + TOPIC + "\"\r\n"
                        + "a2 OK XAPPLEPUSHSERVICE completed.\r\n");
    }

    @Test
    void mailboxNamesAreQuotedOrSentAsLiterals() throws Exception {
        final XApplePushServiceRequest request = parse("a XAPPLEPUSHSERVICE aps-account-id A aps-device-token "
                + TOKEN + " aps-subtopic s mailboxes (x)\r\n");
        assertThat(XApplePushServiceResponses.success(request, List.of("Say \"hi\"\\", "Entwürfe"), "t"))
                .startsWith("* XAPPLEPUSHSERVICE \"mailbox\" \"Say \\\"hi\\\"\\\\\"\r\n"
                        + "* XAPPLEPUSHSERVICE \"mailbox\" {9}\r\nEntwürfe\r\n");
    }

    @Test
    void missingPartsGetCyrusTexts() {
        assertReply("a3 XAPPLEPUSHSERVICE aps-version 2 aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail mailboxes (INBOX)\r\n", "a3 NO Missing APNS account ID\r\n");
        assertReply("a4 XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC aps-subtopic com.apple.mobilemail"
                + " mailboxes (INBOX)\r\n", "a4 NO Missing APNS device token\r\n");
        assertReply("a5 XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC aps-device-token " + TOKEN
                + " mailboxes (INBOX)\r\n", "a5 NO Missing APNS sub-topic\r\n");
        assertReply("a8 XAPPLEPUSHSERVICE\r\n", "a8 BAD Missing required argument to Xapplepushservice\r\n");
        assertReply("a7 XAPPLEPUSHSERVICE aps-version 2 aps-account-id\r\n",
                "a7 BAD Unexpected extra arguments to Xapplepushservice\r\n");
        assertReply("b4 XAPPLEPUSHSERVICE aps-version two aps-account-id ACC\r\n",
                "b4 BAD Unexpected extra arguments to Xapplepushservice\r\n");
        assertReply("b5 XAPPLEPUSHSERVICE mailboxes (INBOX\r\n",
                "b5 BAD Unexpected extra arguments to Xapplepushservice\r\n");
        assertReply("b6 XAPPLEPUSHSERVICE aps-account-id ACC aps-device-token nothex aps-subtopic s\r\n",
                "b6 NO Invalid APNS device token\r\n");
    }

    private static void assertReply(final String command, final String reply) {
        final String tag = command.substring(0, command.indexOf(' '));
        assertThatThrownBy(() -> parse(command)).isInstanceOfSatisfying(ImapReply.class,
                e -> assertThat(e.line(tag)).isEqualTo(reply));
    }
}
