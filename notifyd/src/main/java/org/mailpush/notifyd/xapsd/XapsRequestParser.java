package org.mailpush.notifyd.xapsd;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.ModifiedUtf7;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the JSON bodies of the dovecot-xaps-daemon API as the xaps Dovecot plugin sends them:
 *
 * <pre>
 * POST /register {"ApsAccountId":"..","ApsDeviceToken":"..","ApsSubtopic":"com.apple.mobilemail",
 *                 "Username":"..","Mailboxes": ["INBOX","Notes"]}
 * POST /notify   {"Username":"..","Mailbox":"INBOX","Events": ["MessageNew"]}
 * </pre>
 *
 * <p>Field names match the way the Go daemon's decoder does: exact spelling first, otherwise ignoring case; unknown
 * fields are ignored; a value of the wrong type refuses the request. Usernames are lower-cased, as the daemon does
 * (Postfix does not keep their case). Mailbox names in a registration come from the phone's IMAP command, so they
 * are modified UTF-7 and are decoded; the mailbox of a notification is already UTF-8, as Dovecot names it.</p>
 *
 * <p>Stateless and thread-safe.</p>
 */
final class XapsRequestParser {

    /** The only subtopic the daemon accepts: iOS Mail's. */
    static final String MAIL_SUBTOPIC = "com.apple.mobilemail";
    private static final int MAX_MAILBOXES = 1000;
    private static final int MAX_TEXT_CHARS = 4096;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build()).build());

    private final Clock clock;

    XapsRequestParser(final Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A {@code /register} body as a device registration (aps-version 2: the plugin accepts no other).
     *
     * @throws BadInputException {@linkplain BadInputException#refusesRegistration() marked} as a refused registration
     */
    DeviceRegistration registration(final String source, final byte[] body) throws BadInputException {
        try {
            return parseRegistration(source, body);
        } catch (final BadInputException e) {
            throw e.asRegistration();
        }
    }

    private DeviceRegistration parseRegistration(final String source, final byte[] body) throws BadInputException {
        final JsonNode root = object(body);
        final String accountId = text(root, "ApsAccountId");
        final String deviceToken = text(root, "ApsDeviceToken");
        final String subtopic = text(root, "ApsSubtopic");
        final String username = text(root, "Username");
        final List<String> mailboxes = texts(root, "Mailboxes");
        final List<String> missing = new ArrayList<>();
        if (accountId.isEmpty()) {
            missing.add("ApsAccountId");
        }
        if (deviceToken.isEmpty()) {
            missing.add("ApsDeviceToken");
        }
        if (username.isEmpty()) {
            missing.add("Username");
        }
        if (mailboxes.isEmpty()) {
            missing.add("Mailboxes");
        }
        if (!missing.isEmpty()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "incomplete registration: "
                    + String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing or empty");
        }
        if (!subtopic.equals(MAIL_SUBTOPIC)) {
            throw new BadInputException(BadInputKind.BAD_VALUE, "ApsSubtopic must be " + MAIL_SUBTOPIC + ", not \""
                    + abbreviate(subtopic) + "\"");
        }
        if (!DeviceTokens.isValid(deviceToken)) {
            throw new BadInputException(BadInputKind.BAD_DEVICE_TOKEN, "ApsDeviceToken is not a hex device token"
                    + " (" + deviceToken.length() + " characters starting " + DeviceTokens.mask(deviceToken) + ")");
        }
        final Set<String> decoded = new LinkedHashSet<>();
        for (final String mailbox : mailboxes) {
            decoded.add(ModifiedUtf7.decodeOrKeep(mailbox));
        }
        return new DeviceRegistration(source, username.toLowerCase(Locale.ROOT), 2, accountId, deviceToken,
                subtopic, decoded);
    }

    /** A parsed {@code /notify} body. {@code event} is empty when none of its events calls for a push. */
    record Notification(String username, String mailbox, Optional<MailboxEvent> event,
                        List<EventType> ignored) {
    }

    /**
     * A {@code /notify} body. The events of one call are folded into the one event that matters most for push:
     * new mail if any of them is new mail, otherwise a mailbox change (sent after the coalescing delay, as the
     * daemon delays its non-MessageNew pushes). Unknown event names are skipped.
     */
    Notification notification(final String source, final byte[] body) throws BadInputException {
        final long receivedAt = System.nanoTime();
        final JsonNode root = object(body);
        final String username = text(root, "Username");
        final String mailbox = text(root, "Mailbox");
        final List<String> events = texts(root, "Events");
        final List<String> missing = new ArrayList<>();
        if (username.isEmpty()) {
            missing.add("Username");
        }
        if (mailbox.isEmpty()) {
            missing.add("Mailbox");
        }
        if (events.isEmpty()) {
            missing.add("Events");
        }
        if (!missing.isEmpty()) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "incomplete notification: "
                    + String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " missing or empty");
        }
        EventType strongest = null;
        final List<EventType> ignored = new ArrayList<>();
        for (final String name : events) {
            final EventType type = EventType.fromWireName(name).orElse(null);
            if (type == null) {
                continue;
            }
            switch (type.kind()) {
                case NEW_MAIL -> {
                    if (strongest == null || strongest.kind() != EventType.Kind.NEW_MAIL) {
                        strongest = type;
                    }
                }
                case MAILBOX_CHANGE -> {
                    if (strongest == null) {
                        strongest = type;
                    }
                }
                default -> ignored.add(type);
            }
        }
        final String owner = username.toLowerCase(Locale.ROOT);
        final Optional<MailboxEvent> event = strongest == null ? Optional.empty()
                : Optional.of(new MailboxEvent(source, strongest, owner, mailbox, 0, 0, clock.instant(), receivedAt));
        return new Notification(owner, mailbox, event, ignored);
    }

    private static JsonNode object(final byte[] body) throws BadInputException {
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
            throw new BadInputException(BadInputKind.INVALID_JSON, "body must be a JSON object");
        }
        return root;
    }

    /** The field as Go's decoder finds it: exact name first, else a name equal ignoring case. */
    private static JsonNode field(final JsonNode object, final String name) {
        final JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (final Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            final Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equalsIgnoreCase(name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** A string field; {@code ""} when absent or null (as Go leaves it). */
    private static String text(final JsonNode object, final String name) throws BadInputException {
        final JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be a string");
        }
        if (value.textValue().length() > MAX_TEXT_CHARS) {
            throw new BadInputException(BadInputKind.TOO_LARGE, name + " is longer than " + MAX_TEXT_CHARS
                    + " characters");
        }
        return value.textValue();
    }

    /** An array-of-strings field; empty when absent or null. */
    private static List<String> texts(final JsonNode object, final String name) throws BadInputException {
        final JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be an array of strings");
        }
        if (value.size() > MAX_MAILBOXES) {
            throw new BadInputException(BadInputKind.TOO_LARGE, name + " has " + value.size()
                    + " entries, more than " + MAX_MAILBOXES);
        }
        final List<String> texts = new ArrayList<>(value.size());
        for (final JsonNode element : value) {
            if (!element.isTextual()) {
                throw new BadInputException(BadInputKind.BAD_VALUE, name + " must be an array of strings");
            }
            if (element.textValue().length() > MAX_TEXT_CHARS) {
                throw new BadInputException(BadInputKind.TOO_LARGE, name + " has an entry longer than "
                        + MAX_TEXT_CHARS + " characters");
            }
            texts.add(element.textValue());
        }
        return texts;
    }

    private static String abbreviate(final String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
