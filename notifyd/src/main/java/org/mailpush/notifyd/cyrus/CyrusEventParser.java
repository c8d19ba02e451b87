package org.mailpush.notifyd.cyrus;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.event.MailboxType;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.ModifiedUtf7;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a {@link NotifyDatagram} into an {@link IntakeEvent}: checks the method and class, parses the mboxevent JSON
 * (protocols.md §2) and reads the mailbox from the URI ({@link CyrusMailboxNames}, whatever Cyrus's namespace
 * settings). Both socket modes (datagrams and the dlist stream) and the stream's durable-queue replay parse here, so
 * they take in exactly the same events. Stateless and thread-safe.
 *
 * <p>Events of calendars and address books ({@code vnd.cmu.mbtype} {@code c}, {@code a}) become mailbox events of
 * that type, {@code MailboxModseq} too (one DAV write makes it, and for a DELETE it is the last); for mail mailboxes
 * {@code MailboxModseq} stays ignored. {@code ApplePushServiceDAV} becomes a {@link DavSubscriptionRequest}, every
 * field checked (dav-push.md §1.5): a refusal is {@linkplain BadInputException#asSubscription() marked} as a refused
 * subscription, since Cyrus's httpd has already answered the device 200.</p>
 */
final class CyrusEventParser {

    static final String SOURCE = "cyrus";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MBTYPE = "vnd.cmu.mbtype";
    private static final String DAV_EVENT = "ApplePushServiceDAV";

    private final String expectedMethod;

    /**
     * @param expectedMethod the {@code event_notifier} value of imapd.conf; datagrams with another method are refused
     */
    CyrusEventParser(final String expectedMethod) {
        this.expectedMethod = Objects.requireNonNull(expectedMethod, "expectedMethod");
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
            case DAV_SUBSCRIPTION -> new Parsed(type, Optional.of(subscriptionOrRefusal(json)));
            case IGNORED -> type == EventType.MAILBOX_MODSEQ && isCollection(mailboxType(json))
                    ? new Parsed(type, mailboxEvent(type, json, receivedAt)) : new Parsed(type, Optional.empty());
        };
    }

    private static boolean isCollection(final MailboxType type) {
        return type == MailboxType.CALENDAR || type == MailboxType.ADDRESSBOOK;
    }

    /** {@code vnd.cmu.mbtype}: absent (Cyrus before 3.0, or not Cyrus) is mail. */
    private static MailboxType mailboxType(final JsonNode json) throws BadInputException {
        final JsonNode mbtype = json.get(MBTYPE);
        if (mbtype == null || mbtype.isNull()) {
            return MailboxType.MAIL;
        }
        if (!mbtype.isTextual()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, json.path("event").asText("?") + " event has a "
                    + MBTYPE + " that is not a text");
        }
        return MailboxType.ofCyrusMbtype(mbtype.asText());
    }

    /** The mailbox's unique id: {@code mailboxUniqueId} (3.13+), else {@code mailboxID} (a uniqueid up to 3.12). */
    private static String collectionId(final JsonNode json) throws BadInputException {
        for (final String field : new String[] {"mailboxUniqueId", "mailboxID"}) {
            final JsonNode value = json.get(field);
            if (value != null && value.isTextual() && !value.asText().isEmpty()) {
                // Looked up in the store and kept in the routing cache: bounded like a subscription's own id, and
                // free of control characters (PostgreSQL refuses NUL in text, which would fail the whole batch).
                final String id = value.asText();
                if (id.length() > DavSubscriptionRequest.MAX_FIELD_CHARS) {
                    throw new BadInputException(BadInputKind.BAD_VALUE, json.path("event").asText("?") + " " + field
                            + " has " + id.length() + " characters, more than "
                            + DavSubscriptionRequest.MAX_FIELD_CHARS);
                }
                if (id.chars().anyMatch(Character::isISOControl)) {
                    throw new BadInputException(BadInputKind.BAD_VALUE, json.path("event").asText("?") + " " + field
                            + " contains a control character");
                }
                return id;
            }
        }
        return null;
    }

    private static DavSubscriptionRequest subscriptionOrRefusal(final JsonNode json) throws BadInputException {
        try {
            return subscription(json);
        } catch (final BadInputException e) {
            throw e.asSubscription();
        }
    }

    /** An {@code ApplePushServiceDAV} event, every field checked; extra fields (compactCalendarIds) are ignored. */
    private static DavSubscriptionRequest subscription(final JsonNode json) throws BadInputException {
        final String subscriber = davText(json, "user");
        final String mbtype = davText(json, MBTYPE);
        final PushTarget.Kind kind = switch (mbtype) {
            case "c" -> PushTarget.Kind.CALENDAR;
            case "a" -> PushTarget.Kind.CONTACTS;
            default -> throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " has " + MBTYPE + " \""
                    + NotifyDatagramParser.abbreviate(mbtype) + "\", not c (calendar) or a (address book)");
        };
        final String topic = davText(json, "apsTopic");
        requireTopicOfItsKind(topic, kind);
        final String token = davText(json, "apsDeviceToken");
        if (!DavSubscription.isApnsToken(token)) {
            throw new BadInputException(BadInputKind.BAD_DEVICE_TOKEN, DAV_EVENT + " apsDeviceToken "
                    + DeviceTokens.mask(token) + " is not 64 hex digits (" + token.length() + " characters)");
        }
        final String mailboxUser = keyPart(json, "mailboxUser");
        final String collectionId = keyPart(json, "mailboxUniqueId");
        return new DavSubscriptionRequest(SOURCE, subscriber, kind, topic, token, mailboxUser, collectionId,
                expiry(json));
    }

    /**
     * Apple's topics name their app: a calendar subscription on a mail or contacts topic would be pushed through that
     * credential, and the app on the device would get a payload it does not understand. Topics of no known app
     * (a site's own) pass.
     */
    private static void requireTopicOfItsKind(final String topic, final PushTarget.Kind kind)
            throws BadInputException {
        final java.util.Optional<PushTarget.Kind> app = PushTarget.Kind.ofTopic(topic);
        if (app.isPresent() && app.get() != kind) {
            throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " apsTopic " + topic + " is not a "
                    + kind.label() + " topic (" + kind.topicPrefix() + "...)");
        }
    }

    /** A text field of {@code ApplePushServiceDAV}: present, a text, not empty, not too long, no control character. */
    private static String davText(final JsonNode json, final String field) throws BadInputException {
        final JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, DAV_EVENT + " event has no " + field);
        }
        if (!value.isTextual()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " " + field + " is not a text");
        }
        final String text = value.asText();
        if (text.isEmpty()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, DAV_EVENT + " " + field + " is empty");
        }
        if (text.length() > DavSubscriptionRequest.MAX_FIELD_CHARS) {
            throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " " + field + " has " + text.length()
                    + " characters, more than " + DavSubscriptionRequest.MAX_FIELD_CHARS);
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " " + field
                        + " contains a control character");
            }
        }
        return text;
    }

    /** A half of the push key {@code mailboxUser/mailboxUniqueId}, which must hold exactly one {@code /}. */
    private static String keyPart(final JsonNode json, final String field) throws BadInputException {
        final String text = davText(json, field);
        if (text.indexOf('/') >= 0) {
            throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " " + field + " \""
                    + NotifyDatagramParser.abbreviate(text) + "\" contains '/': the push key mailboxUser/"
                    + "mailboxUniqueId must have exactly one");
        }
        return text;
    }

    /** {@code expiry}: whole seconds, positive; more than {@link DavSubscriptionRequest#MAX_EXPIRY} is cut to it. */
    private static Duration expiry(final JsonNode json) throws BadInputException {
        final JsonNode value = json.get("expiry");
        if (value == null || value.isNull()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, DAV_EVENT + " event has no expiry");
        }
        if (!value.isIntegralNumber() || value.bigIntegerValue().signum() <= 0) {
            throw new BadInputException(BadInputKind.BAD_VALUE, DAV_EVENT + " expiry "
                    + NotifyDatagramParser.abbreviate(value.toString()) + " is not a positive whole number of"
                    + " seconds");
        }
        final BigInteger seconds = value.bigIntegerValue();
        if (seconds.compareTo(BigInteger.valueOf(DavSubscriptionRequest.MAX_EXPIRY.toSeconds())) > 0) {
            // An aps_expiry above a month is a setting, not an attack: keep the subscription, for the longest
            // mailpush keeps any (a refresh comes daily).
            return DavSubscriptionRequest.MAX_EXPIRY;
        }
        return Duration.ofSeconds(seconds.longValueExact());
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

    private static Optional<IntakeEvent> mailboxEvent(final EventType type, final JsonNode json,
                                                      final long receivedAt) throws BadInputException {
        final MailboxType mailboxType = mailboxType(json);
        final Optional<CyrusMailboxNames.Location> location = CyrusMailboxNames.locate(text(json, "uri"));
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
                where.uid(), occurredAt, receivedAt, mailboxType, collectionId(json), where.separator()));
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
