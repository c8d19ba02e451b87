package org.mailpush.notifyd.cyrus;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.ModifiedUtf7;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a {@link NotifyDatagram} into an {@link IntakeEvent}: checks the method and class, parses the mboxevent JSON
 * (protocols.md §2) and reads the mailbox from the URI. Thread-safe.
 */
final class CyrusEventParser {

    static final String SOURCE = "cyrus";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String expectedMethod;
    private final CyrusMailboxNames names;

    /**
     * @param expectedMethod the {@code event_notifier} value of imapd.conf; datagrams with another method are refused
     */
    CyrusEventParser(final String expectedMethod, final CyrusNamespace namespace) {
        this.expectedMethod = Objects.requireNonNull(expectedMethod, "expectedMethod");
        this.names = new CyrusMailboxNames(namespace);
    }

    /** A parsed notification: its type, and the event when the type needs routing (empty when it is ignored). */
    record Parsed(EventType type, Optional<IntakeEvent> event) {
    }

    /**
     * @param receivedAt {@link System#nanoTime()} when the datagram was read
     * @throws BadInputException naming what is wrong
     */
    Parsed parse(final NotifyDatagram datagram, final long receivedAt) throws BadInputException {
        if (!expectedMethod.equals(datagram.method())) {
            throw new BadInputException(BadInputKind.WRONG_METHOD, "notify method "
                    + NotifyDatagramParser.abbreviate(datagram.method()) + " is not the configured \"" + expectedMethod
                    + "\" (cyrus.event-notifier must equal event_notifier in imapd.conf)");
        }
        if (!"EVENT".equals(datagram.notifyClass())) {
            throw new BadInputException(BadInputKind.WRONG_CLASS, "notify class "
                    + NotifyDatagramParser.abbreviate(datagram.notifyClass()) + " is not EVENT");
        }
        final JsonNode json;
        try {
            json = JSON.readTree(datagram.message());
        } catch (final JacksonException e) {
            throw new BadInputException(BadInputKind.INVALID_JSON, "event is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new BadInputException(BadInputKind.INVALID_JSON, "event is not a JSON object");
        }
        final String name = text(json, "event");
        final EventType type = EventType.fromWireName(name).orElseThrow(() -> new BadInputException(
                BadInputKind.UNKNOWN_EVENT, "unknown event " + NotifyDatagramParser.abbreviate(name)));
        return switch (type.kind()) {
            case REGISTRATION -> new Parsed(type, Optional.of(registrationOrRefusal(json)));
            case NEW_MAIL, MAILBOX_CHANGE -> new Parsed(type, mailboxEvent(type, json, receivedAt));
            case DAV_SUBSCRIPTION, IGNORED -> new Parsed(type, Optional.empty());
        };
    }

    private static DeviceRegistration registrationOrRefusal(final JsonNode json) throws BadInputException {
        try {
            return registration(json);
        } catch (final BadInputException e) {
            throw e.asRegistration();
        }
    }

    private static DeviceRegistration registration(final JsonNode json) throws BadInputException {
        final String token = text(json, "apsDeviceToken");
        if (!DeviceTokens.isValid(token)) {
            throw new BadInputException(BadInputKind.BAD_DEVICE_TOKEN, "apsDeviceToken "
                    + DeviceTokens.mask(token) + " is not hex of a plausible length");
        }
        final JsonNode version = json.get("apsVersion");
        if (version == null || !version.canConvertToInt() || version.asInt() < 1) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "apsVersion is missing or not a positive number");
        }
        final Set<String> mailboxes = new LinkedHashSet<>();
        final JsonNode list = json.get("mailboxes");
        if (list != null && !list.isNull()) {
            // Refused rather than read as "no mailboxes": that would replace the device's good registration with
            // one that never pushes.
            if (!list.isArray()) {
                throw new BadInputException(BadInputKind.BAD_VALUE, "mailboxes must be a list of names");
            }
            for (final JsonNode mailbox : list) {
                if (!mailbox.isTextual()) {
                    throw new BadInputException(BadInputKind.BAD_VALUE, "mailboxes must be a list of names");
                }
                // Clients send modified UTF-7 (Entw&APw-rfe); routing compares Unicode.
                mailboxes.add(ModifiedUtf7.decodeOrKeep(mailbox.asText()));
            }
        }
        return new DeviceRegistration(SOURCE, text(json, "user"), version.asInt(), text(json, "apsAccountId"), token,
                text(json, "apsSubtopic"), mailboxes);
    }

    private Optional<IntakeEvent> mailboxEvent(final EventType type, final JsonNode json, final long receivedAt)
            throws BadInputException {
        final Optional<CyrusMailboxNames.Location> location = names.locate(text(json, "uri"));
        if (location.isEmpty()) {
            return Optional.empty();
        }
        Instant occurredAt = Instant.now();
        final JsonNode timestamp = json.get("timestamp");
        if (timestamp != null && timestamp.isTextual()) {
            try {
                occurredAt = Instant.parse(timestamp.asText());
            } catch (final DateTimeParseException e) {
                // The timestamp is informative only; a malformed one must not cost the push.
            }
        }
        final CyrusMailboxNames.Location where = location.get();
        return Optional.of(new MailboxEvent(SOURCE, type, where.owner(), where.mailbox(), where.uidValidity(),
                where.uid(), occurredAt, receivedAt));
    }

    private static String text(final JsonNode json, final String field) throws BadInputException {
        final JsonNode value = json.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            final String event = json.path("event").asText("?");
            throw new BadInputException(BadInputKind.MISSING_FIELD, event + " event has no " + field);
        }
        return value.asText();
    }
}
