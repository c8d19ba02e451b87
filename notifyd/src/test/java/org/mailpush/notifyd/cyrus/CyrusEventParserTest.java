package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.Test;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CyrusEventParserTest {

    private final NotifyDatagramParser datagrams = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private final CyrusEventParser parser = new CyrusEventParser("pusher");

    @Test
    void everyFixtureParsesToTheTypeInItsName() throws Exception {
        final Map<String, EventType> types = new LinkedHashMap<>();
        for (final Path file : Fixtures.datagrams()) {
            final String name = file.getFileName().toString();
            types.put(name, parse(name).type());
        }
        assertThat(types).containsExactly(
                Map.entry("01-MailboxCreate.dgram", EventType.MAILBOX_CREATE),
                Map.entry("02-MailboxCreate.dgram", EventType.MAILBOX_CREATE),
                Map.entry("03-MailboxCreate.dgram", EventType.MAILBOX_CREATE),
                Map.entry("04-ApplePushService.dgram", EventType.APPLE_PUSH_SERVICE),
                Map.entry("05-MailboxModseq.dgram", EventType.MAILBOX_MODSEQ),
                Map.entry("06-MessageNew.dgram", EventType.MESSAGE_NEW),
                Map.entry("07-ApplePushService.dgram", EventType.APPLE_PUSH_SERVICE),
                Map.entry("08-MessageRead.dgram", EventType.MESSAGE_READ),
                Map.entry("09-MailboxModseq.dgram", EventType.MAILBOX_MODSEQ),
                Map.entry("10-MessageTrash.dgram", EventType.MESSAGE_TRASH),
                Map.entry("11-MailboxModseq.dgram", EventType.MAILBOX_MODSEQ),
                Map.entry("12-MailboxModseq.dgram", EventType.MAILBOX_MODSEQ),
                Map.entry("13-MessageExpunge.dgram", EventType.MESSAGE_EXPUNGE));
    }

    @Test
    void mailboxBookkeepingEventsAreIgnored() throws Exception {
        for (final String name : List.of("01-MailboxCreate.dgram", "05-MailboxModseq.dgram")) {
            assertThat(parse(name).event()).as(name).isEmpty();
        }
    }

    @Test
    void registrationCarriesTheDeviceAndItsMailboxes() throws Exception {
        final IntakeEvent event = parse("04-ApplePushService.dgram").event().orElseThrow();
        assertThat(event).isEqualTo(new DeviceRegistration("cyrus", "test", 2, "0715A26B-CA09-4730-A419-793000CA982E",
                "2918390218931890821908309283098109381029309829018310983092892829", "com.apple.mobilemail",
                java.util.Set.of("INBOX", "Sent")));
    }

    @Test
    void upperCaseTokensAreStoredLowerCase() throws Exception {
        final DeviceRegistration event = (DeviceRegistration) parse("07-ApplePushService.dgram").event().orElseThrow();
        assertThat(event.deviceToken()).isEqualTo("ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12");
    }

    @Test
    void newMailTakesTheOwnerFromTheUriNotTheActingUser() throws Exception {
        final MailboxEvent event = (MailboxEvent) parse("06-MessageNew.dgram").event().orElseThrow();
        assertThat(event.type()).isEqualTo(EventType.MESSAGE_NEW);
        assertThat(event.owner()).isEqualTo("test");
        assertThat(event.mailbox()).isEqualTo("INBOX");
        assertThat(event.uid()).isEqualTo(1);
        assertThat(event.uidValidity()).isEqualTo(1795733256L);
        assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-11-26T22:47:38.881Z"));

        final String emptyUser = "{\"event\":\"MessageNew\",\"uri\":\"imap://vm/user/bob/Sent;UIDVALIDITY=3/;UID=9\","
                + "\"user\":\"\"}";
        final MailboxEvent lmtp = (MailboxEvent) parser.parse(datagram("pusher", "EVENT", emptyUser), 0)
                .event().orElseThrow();
        assertThat(lmtp.owner()).isEqualTo("bob");
        assertThat(lmtp.mailbox()).isEqualTo("Sent");
    }

    @Test
    void flagChangesAreMailboxChanges() throws Exception {
        for (final String name : List.of("08-MessageRead.dgram", "10-MessageTrash.dgram", "13-MessageExpunge.dgram")) {
            final MailboxEvent event = (MailboxEvent) parse(name).event().orElseThrow();
            assertThat(event.type().kind()).isEqualTo(EventType.Kind.MAILBOX_CHANGE);
            assertThat(event.owner()).isEqualTo("test");
            assertThat(event.mailbox()).isEqualTo("INBOX");
        }
    }

    @Test
    void registrationMailboxesInModifiedUtf7AreDecoded() throws Exception {
        final String json = "{\"event\":\"ApplePushService\",\"pid\":1,\"user\":\"test\",\"apsVersion\":2,"
                + "\"apsAccountId\":\"ACC-1\","
                + "\"apsDeviceToken\":\"ab6e354b99df9f0ef85f8ab650ad4bc816176d0d3b0d1e479f3b9570c2f7d8ef\","
                + "\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\",\"Work Stuff\",\"Entw&APw-rfe\"]}";
        final DeviceRegistration event = (DeviceRegistration) parser.parse(datagram("pusher", "EVENT", json), 0)
                .event().orElseThrow();
        assertThat(event.mailboxes()).containsExactly("INBOX", "Work Stuff", "Entwürfe");
    }

    @Test
    void versionOneMeansInboxOnly() throws Exception {
        final String json = "{\"event\":\"ApplePushService\",\"user\":\"test\",\"apsVersion\":1,"
                + "\"apsAccountId\":\"ACC-1\","
                + "\"apsDeviceToken\":\"ab6e354b99df9f0ef85f8ab650ad4bc816176d0d3b0d1e479f3b9570c2f7d8ef\","
                + "\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"Sent\"]}";
        final DeviceRegistration event = (DeviceRegistration) parser.parse(datagram("pusher", "EVENT", json), 0)
                .event().orElseThrow();
        assertThat(event.mailboxes()).containsExactly("INBOX");
    }

    @Test
    void refusesWhatIsWrongWithAClearKind() {
        assertBad(datagram("mailto", "EVENT", "{}"), BadInputKind.WRONG_METHOD, "mailto");
        assertBad(datagram("pusher", "MAIL", "{}"), BadInputKind.WRONG_CLASS, "MAIL");
        assertBad(datagram("pusher", "EVENT", "{\"event\":"), BadInputKind.INVALID_JSON, "JSON");
        assertBad(datagram("pusher", "EVENT", "[1,2]"), BadInputKind.INVALID_JSON, "object");
        assertBad(datagram("pusher", "EVENT", "{\"event\":\"MessageTeleported\"}"), BadInputKind.UNKNOWN_EVENT,
                "MessageTeleported");
        assertBad(datagram("pusher", "EVENT", "{\"event\":\"MessageNew\"}"), BadInputKind.MISSING_FIELD, "uri");
        assertBad(datagram("pusher", "EVENT", "{\"uri\":\"x\"}"), BadInputKind.MISSING_FIELD, "event");
        assertBad(datagram("pusher", "EVENT", "{\"event\":\"ApplePushService\",\"apsDeviceToken\":\"nothex\"}"),
                BadInputKind.BAD_DEVICE_TOKEN, "nothex");
        final String noAccount = "{\"event\":\"ApplePushService\",\"user\":\"t\",\"apsVersion\":2,"
                + "\"apsDeviceToken\":\"ab6e354b99df9f0ef85f8ab650ad4bc816176d0d3b0d1e479f3b9570c2f7d8ef\","
                + "\"apsSubtopic\":\"com.apple.mobilemail\"}";
        assertBad(datagram("pusher", "EVENT", noAccount), BadInputKind.MISSING_FIELD, "apsAccountId");
        // Found by LogScanIT: a mailbox list that is not a list used to register the device for no mailbox at all,
        // replacing its good registration.
        final String registration = "{\"event\":\"ApplePushService\",\"user\":\"t\",\"apsVersion\":2,"
                + "\"apsAccountId\":\"ACC-1\","
                + "\"apsDeviceToken\":\"ab6e354b99df9f0ef85f8ab650ad4bc816176d0d3b0d1e479f3b9570c2f7d8ef\","
                + "\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":";
        assertBad(datagram("pusher", "EVENT", registration + "\"INBOX\"}"), BadInputKind.BAD_VALUE, "mailboxes");
        assertBad(datagram("pusher", "EVENT", registration + "[\"INBOX\",7]}"), BadInputKind.BAD_VALUE, "mailboxes");
        assertBad(datagram("pusher", "EVENT", registration + "{\"INBOX\":1}}"), BadInputKind.BAD_VALUE, "mailboxes");
    }

    @Test
    void errorsNeverCarryTheWholeDeviceToken() {
        final String token = "zb6e354b99df9f0ef85f8ab650ad4bc816176d0d3b0d1e479f3b9570c2f7d8ef";
        assertThatThrownBy(() -> parser.parse(datagram("pusher", "EVENT",
                "{\"event\":\"ApplePushService\",\"apsDeviceToken\":\"" + token + "\"}"), 0))
                .hasMessageContaining("zb6e354b…")
                .hasMessageNotContaining(token);
    }

    private CyrusEventParser.Parsed parse(final String fixture) throws BadInputException {
        return parser.parse(datagrams.parse(Fixtures.datagram(fixture)), 0);
    }

    private static NotifyDatagram datagram(final String method, final String notifyClass, final String message) {
        return new NotifyDatagram(method, notifyClass, "", "", "", List.of(), message, null);
    }

    private void assertBad(final NotifyDatagram datagram, final BadInputKind kind, final String mention) {
        assertThatThrownBy(() -> parser.parse(datagram, 0))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(mention)
                .satisfies(e -> assertThat(((BadInputException) e).kind()).isEqualTo(kind));
    }
}
