package org.mailpush.store.transfer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.common.mail.MailboxNames;
import org.mailpush.store.Registration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the registration file of dovecot-xaps-daemon ({@code database.json}:
 * {@code {"Users":{"<user>":{"Accounts":{"<aps account id>":{"DeviceToken":..,"Mailboxes":[..],
 * "RegistrationTime":"<RFC 3339>"}}}}}}) so that a Dovecot site moving to mailpush keeps its phones.
 */
public final class XapsdDatabase {

    /** Go's zero time: xapsd writes it for entries it never timestamped. */
    private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was read: the registrations, and one line per entry that could not be used. */
    public record Contents(List<Registration> registrations, List<String> skipped) {
    }

    private XapsdDatabase() {
    }

    /**
     * @param topic the topic to give the registrations (the mail credential's); {@code null} for the default
     * @param now   the time given to entries without a registration time
     */
    public static Contents read(final Path file, final String topic, final Instant now) {
        final JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (final JacksonException e) {
            throw new ArchiveException(file + ": not JSON (" + e.getOriginalMessage() + ")");
        } catch (final IOException e) {
            throw new ArchiveException(file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        final JsonNode users = root == null ? null : root.get("Users");
        if (users == null || !users.isObject()) {
            throw new ArchiveException(file + ": no \"Users\" object: not a dovecot-xaps-daemon database.json");
        }
        final List<Registration> registrations = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        for (final Iterator<Map.Entry<String, JsonNode>> u = users.fields(); u.hasNext(); ) {
            final Map.Entry<String, JsonNode> user = u.next();
            final JsonNode accounts = user.getValue().get("Accounts");
            if (accounts == null || !accounts.isObject()) {
                skipped.add("user " + user.getKey() + ": no Accounts");
                continue;
            }
            for (final Iterator<Map.Entry<String, JsonNode>> a = accounts.fields(); a.hasNext(); ) {
                final Map.Entry<String, JsonNode> account = a.next();
                final String where = "user " + user.getKey() + ", account " + account.getKey();
                final String token = account.getValue().path("DeviceToken").asText("");
                if (!DeviceTokens.isValid(token)) {
                    skipped.add(where + ": device token " + DeviceTokens.mask(token) + " is not hex");
                    continue;
                }
                final Set<String> mailboxes = new LinkedHashSet<>();
                account.getValue().path("Mailboxes").forEach(mailbox -> mailboxes.add(mailbox.asText()));
                if (mailboxes.isEmpty()) {
                    mailboxes.add(MailboxNames.INBOX);
                }
                Instant registered = now;
                final String time = account.getValue().path("RegistrationTime").asText("");
                if (!time.isEmpty()) {
                    try {
                        final Instant parsed = OffsetDateTime.parse(time).toInstant();
                        registered = parsed.equals(GO_ZERO_TIME) ? now : parsed;
                    } catch (final DateTimeParseException e) {
                        skipped.add(where + ": RegistrationTime \"" + time + "\" is not RFC 3339; imported as now");
                    }
                }
                registrations.add(Registration.of(user.getKey(), account.getKey(), DeviceTokens.canonical(token),
                        "com.apple.mobilemail", 2, mailboxes, topic, registered));
            }
        }
        return new Contents(registrations, skipped);
    }
}
