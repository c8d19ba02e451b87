package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DlistNotifyParserTest {

    private final DlistNotifyParser parser = new DlistNotifyParser(65_536);
    private final CyrusEventParser events = new CyrusEventParser("pusher");

    @Test
    void everyCapturedNotificationParsesAsItsDatagramTwinDoes() throws Exception {
        assertThat(Fixtures.dlists()).hasSize(7);
        for (final Path file : Fixtures.dlists()) {
            final NotifyDatagram notification = parser.parse(java.nio.file.Files.readAllBytes(file));
            assertThat(notification.method()).as(file.toString()).isEqualTo("pusher");
            assertThat(notification.notifyClass()).isEqualTo("EVENT");
            assertThat(notification.priority()).isEmpty();
            assertThat(notification.options()).isEmpty();
            assertThat(notification.fileName()).isNull();
            assertThat(notification.message()).startsWith("{\"event\":\"");
            assertThat(events.parse(notification, 0).type().wireName())
                    .isEqualTo(file.getFileName().toString().replaceAll("^\\d+-|\\.dlist$", ""));
            // Queued in the datagram form, read back the same.
            assertThat(new NotifyDatagramParser(1 << 20).parse(notification.encode())).isEqualTo(notification);
        }
        final MailboxEvent mail = (MailboxEvent) events.parse(parser.parse(Fixtures.dlist("07-MessageNew.dlist")), 0)
                .event().orElseThrow();
        assertThat(mail.type()).isEqualTo(EventType.MESSAGE_NEW);
        assertThat(mail.owner()).isEqualTo("alice");
        assertThat(mail.mailbox()).isEqualTo("INBOX");
    }

    @Test
    void quotedStringsListsAndSynchronizingLiteralsAreReadToo() throws Exception {
        final String frame = "NOTIFY %(METHOD pusher CLASS EVENT PRIORITY \"high \\\\ \\\"urgent\\\"\" USER alice"
                + " MAILBOX {5}\r\nINBOX OPTIONS (a \"b c\" {1+}\r\nd) MESSAGE {2+}\r\n{} FILEPATH /x)\r\n";
        final NotifyDatagram notification = parser.parse(frame.getBytes(StandardCharsets.UTF_8));
        assertThat(notification.priority()).isEqualTo("high \\ \"urgent\"");
        assertThat(notification.user()).isEqualTo("alice");
        assertThat(notification.mailbox()).isEqualTo("INBOX");
        assertThat(notification.options()).containsExactly("a", "b c", "d");
        assertThat(notification.message()).isEqualTo("{}");
        assertThat(notification.fileName()).isEqualTo("/x");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "HELLO %(METHOD pusher)\r\n|starts with NOTIFY",
            "NOTIFY (METHOD pusher)\r\n|must carry a key-value list",
            "NOTIFY %(CLASS EVENT MESSAGE x)\r\n|NOTIFY has no METHOD",
            "NOTIFY %(METHOD pusher CLASS EVENT)\r\n|NOTIFY has no MESSAGE",
            "NOTIFY %(METHOD pusher CLASS EVENT MESSAGE {99+}\r\nshort)\r\n|literal of 99 bytes, only",
            "NOTIFY %(METHOD pusher CLASS EVENT MESSAGE (a b))\r\n|MESSAGE must be a string",
            "NOTIFY %(METHOD pusher CLASS EVENT MESSAGE x)\r\ntrailing|bytes after the notification",
            "NOTIFY %(METHOD pusher CLASS EVENT MESSAGE x)|ends at byte",
            "NOTIFY %(METHOD pusher CLASS EVENT MESSAGE \"a\r\nb\")\r\n|line break inside a quoted string",
            "NOTIFY %(M ((((((((((x))))))))))\r\n|nested deeper than 8",
    })
    void malformedNotificationsAreRefusedNamingTheProblem(final String caseText) {
        final String[] parts = caseText.split("\\|");
        assertThatThrownBy(() -> parser.parse(parts[0].getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadInputException.class).hasMessageContaining(parts[1]);
    }
}
