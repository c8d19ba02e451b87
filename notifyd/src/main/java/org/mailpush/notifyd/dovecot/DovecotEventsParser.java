package org.mailpush.notifyd.dovecot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the body of {@code POST /v1/events}, as the shipped Lua script ({@code docs/dovecot/mailpush.lua}) sends it
 * at the end of a Dovecot mail transaction:
 *
 * <pre>{"user":"alice","events":[{"event":"MessageNew","mailbox":"INBOX","uidvalidity":1700000000,"uid":42}]}</pre>
 *
 * <p>{@code event} is a Dovecot push_notification event name, {@code mailbox} the name as the user's client sees it
 * (UTF-8); {@code uid} and {@code uidvalidity} are optional. Events of one batch are coalesced: one new-mail event
 * per mailbox (the highest UID) and one change event per mailbox, since the phone only needs to know that it should
 * look. Unknown event names are skipped (a newer Dovecot may add some); structural mistakes refuse the whole batch
 * with a message naming the field.</p>
 *
 * <p>Stateless and thread-safe.</p>
 */
final class DovecotEventsParser {

    /** Bound on the events of one batch, far above one transaction of the shipped script. */
    static final int MAX_EVENTS = 10_000;
    private static final int MAX_USER_CHARS = 1024;
    private static final int MAX_MAILBOX_CHARS = 4096;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build()).build());

    private final String source;
    private final Clock clock;

    /** @param source the intake label events carry ({@code dovecot}) */
    DovecotEventsParser(final String source, final Clock clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    DovecotEventBatch parse(final byte[] body) throws BadInputException {
        final long receivedAt = System.nanoTime();
        final JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (final JsonProcessingException e) {
            throw new BadInputException(BadInputKind.INVALID_JSON, "body is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (final IOException e) {
            throw new BadInputException(BadInputKind.INVALID_JSON, "body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(BadInputKind.INVALID_JSON, "body must be a JSON object with user and events");
        }
        final String user = text(root, "user", MAX_USER_CHARS);
        final JsonNode events = root.get("events");
        if (events == null || events.isNull()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "events is missing");
        }
        if (!events.isArray()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, "events must be an array of events");
        }
        if (events.isEmpty()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "events is empty");
        }
        if (events.size() > MAX_EVENTS) {
            throw new BadInputException(BadInputKind.TOO_LARGE, "events has " + events.size()
                    + " entries, more than " + MAX_EVENTS);
        }
        final Map<String, MailboxEvent> coalesced = new LinkedHashMap<>();
        final List<EventType> ignored = new ArrayList<>();
        int unknown = 0;
        int index = 0;
        for (final Iterator<JsonNode> it = events.elements(); it.hasNext(); index++) {
            final JsonNode event = it.next();
            final String at = "events[" + index + "]";
            if (!event.isObject()) {
                throw new BadInputException(BadInputKind.BAD_VALUE, at + " must be an object");
            }
            final String name = text(event, "event", at + ".event", 64);
            final String mailbox = text(event, "mailbox", at + ".mailbox", MAX_MAILBOX_CHARS);
            final long uid = number(event, "uid", at + ".uid");
            final long uidValidity = number(event, "uidvalidity", at + ".uidvalidity");
            final EventType type = EventType.fromWireName(name).orElse(null);
            if (type == null) {
                unknown++;
                continue;
            }
            if (type.kind() != EventType.Kind.NEW_MAIL && type.kind() != EventType.Kind.MAILBOX_CHANGE) {
                ignored.add(type);
                continue;
            }
            final MailboxEvent parsed = new MailboxEvent(source, type, user, mailbox, uidValidity, uid,
                    clock.instant(), receivedAt);
            coalesced.merge(type.kind() + "\u0000" + parsed.mailbox(), parsed,
                    (kept, later) -> later.uid() > kept.uid() ? later : kept);
        }
        return new DovecotEventBatch(user, List.copyOf(coalesced.values()), ignored, unknown);
    }

    private static String text(final JsonNode node, final String field, final int maxChars)
            throws BadInputException {
        return text(node, field, field, maxChars);
    }

    private static String text(final JsonNode node, final String field, final String name, final int maxChars)
            throws BadInputException {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, name + " is missing");
        }
        if (!value.isTextual()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be a string");
        }
        final String text = value.textValue();
        if (text.isEmpty()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, name + " is empty");
        }
        if (text.length() > maxChars) {
            throw new BadInputException(BadInputKind.TOO_LARGE, name + " is longer than " + maxChars
                    + " characters");
        }
        if (text.indexOf('\u0000') >= 0) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " contains a NUL character");
        }
        return text;
    }

    /** An optional unsigned 32-bit IMAP number ({@code 0} when absent). */
    private static long number(final JsonNode node, final String field, final String name) throws BadInputException {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        // Lua 5.4 numbers from Dovecot are floats; the script sends integers, but accept 42.0 as well.
        if (!value.isNumber() || (value.isFloatingPointNumber() && value.doubleValue() != Math.rint(
                value.doubleValue()))) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be a whole number");
        }
        final long number = value.isBigInteger() ? -1 : value.asLong();
        if (number < 0 || number > 0xFFFF_FFFFL) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be in 0.." + 0xFFFF_FFFFL);
        }
        return number;
    }
}
