package org.mailpush.notifyd.dovecot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DovecotEventsParserTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);
    private final DovecotEventsParser parser = new DovecotEventsParser("dovecot", clock);

    private DovecotEventBatch parse(final String json) throws BadInputException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsABatchAsTheLuaScriptSendsIt() throws BadInputException {
        final DovecotEventBatch batch = parse("""
                {"user":"alice","events":[
                 {"event":"MessageNew","mailbox":"INBOX","uidvalidity":1700000000,"uid":42},
                 {"event":"MessageAppend","mailbox":"Arbeit/Übersicht","uid":7}]}""");
        assertThat(batch.user()).isEqualTo("alice");
        assertThat(batch.events()).hasSize(2);
        final MailboxEvent first = batch.events().get(0);
        assertThat(first.source()).isEqualTo("dovecot");
        assertThat(first.type()).isEqualTo(EventType.MESSAGE_NEW);
        assertThat(first.owner()).isEqualTo("alice");
        assertThat(first.mailbox()).isEqualTo("INBOX");
        assertThat(first.uid()).isEqualTo(42);
        assertThat(first.uidValidity()).isEqualTo(1_700_000_000L);
        assertThat(first.occurredAt()).isEqualTo(clock.instant());
        assertThat(batch.events().get(1).mailbox()).isEqualTo("Arbeit/Übersicht");
        assertThat(batch.events().get(1).uidValidity()).isZero();
    }

    @Test
    void coalescesOneNewMailAndOneChangePerMailbox() throws BadInputException {
        final DovecotEventBatch batch = parse("""
                {"user":"alice","events":[
                 {"event":"MessageNew","mailbox":"inbox","uid":1},
                 {"event":"MessageNew","mailbox":"INBOX","uid":3},
                 {"event":"MessageNew","mailbox":"INBOX","uid":2},
                 {"event":"FlagsSet","mailbox":"INBOX","uid":1},
                 {"event":"MessageRead","mailbox":"INBOX","uid":2},
                 {"event":"MessageExpunge","mailbox":"Trash","uid":9},
                 {"event":"FlagsClear","mailbox":"Trash","uid":8}]}""");
        assertThat(batch.events()).extracting(MailboxEvent::type, MailboxEvent::mailbox, MailboxEvent::uid)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(EventType.MESSAGE_NEW, "INBOX", 3L),
                        org.assertj.core.groups.Tuple.tuple(EventType.MESSAGE_READ, "INBOX", 2L),
                        org.assertj.core.groups.Tuple.tuple(EventType.MESSAGE_EXPUNGE, "Trash", 9L));
    }

    @Test
    void skipsEventsThatNeedNoPushAndUnknownNames() throws BadInputException {
        final DovecotEventBatch batch = parse("""
                {"user":"alice","events":[
                 {"event":"MailboxCreate","mailbox":"New"},
                 {"event":"MessageSnoozed","mailbox":"INBOX"},
                 {"event":"MessageNew","mailbox":"INBOX","uid":4.0}]}""");
        assertThat(batch.events()).singleElement().extracting(MailboxEvent::uid).isEqualTo(4L);
        assertThat(batch.ignored()).containsExactly(EventType.MAILBOX_CREATE);
        assertThat(batch.unknownNames()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not json                                              | INVALID_JSON  | body is not valid JSON",
            "[1,2]                                                 | INVALID_JSON  | must be a JSON object",
            "{\"events\":[]}                                       | MISSING_FIELD | user is missing",
            "{\"user\":\"\",\"events\":[]}                         | MISSING_FIELD | user is empty",
            "{\"user\":7,\"events\":[]}                            | BAD_VALUE     | user must be a string",
            "{\"user\":\"a\"}                                      | MISSING_FIELD | events is missing",
            "{\"user\":\"a\",\"events\":{}}                        | BAD_VALUE     | events must be an array",
            "{\"user\":\"a\",\"events\":[]}                        | MISSING_FIELD | events is empty",
            "{\"user\":\"a\",\"events\":[1]}                       | BAD_VALUE     | events[0] must be an object",
            "{\"user\":\"a\",\"events\":[{\"mailbox\":\"INBOX\"}]} | MISSING_FIELD | events[0].event is missing",
            "{\"user\":\"a\",\"events\":[{\"event\":\"MessageNew\"}]} | MISSING_FIELD | events[0].mailbox is missing",
            "{\"user\":\"a\",\"events\":[{\"event\":\"MessageNew\",\"mailbox\":\"I\",\"uid\":-1}]} | BAD_VALUE | "
                    + "events[0].uid must be in 0..4294967295",
            "{\"user\":\"a\",\"events\":[{\"event\":\"MessageNew\",\"mailbox\":\"I\",\"uid\":1.5}]} | BAD_VALUE | "
                    + "events[0].uid must be a whole number",
            "{\"user\":\"a\",\"events\":[{\"event\":\"MessageNew\",\"mailbox\":\"I\",\"uidvalidity\":\"7\"}]} | "
                    + "BAD_VALUE | events[0].uidvalidity must be a whole number",
            "{\"user\":\"a\",\"events\":[{\"event\":\"MessageNew\",\"mailbox\":\"I\","
                    + "\"uid\":99999999999999999999999}]} | BAD_VALUE | events[0].uid must be in",
    })
    void refusesMalformedBatchesNamingWhatIsWrong(final String json, final BadInputKind kind, final String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((BadInputException) e).kind()).isEqualTo(kind);
    }

    @Test
    void refusesDeepNestingAndHugeBatches() {
        assertThatThrownBy(() -> parse("{\"user\":\"a\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("not valid JSON");
        final StringBuilder many = new StringBuilder("{\"user\":\"a\",\"events\":[");
        for (int i = 0; i <= DovecotEventsParser.MAX_EVENTS; i++) {
            many.append(i == 0 ? "" : ",").append("{\"event\":\"MessageNew\",\"mailbox\":\"INBOX\"}");
        }
        assertThatThrownBy(() -> parse(many + "]}"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("more than 10000");
    }
}
