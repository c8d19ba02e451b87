package org.mailpush.store.transfer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TransferCount;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * mailpush's own file format for push targets: JSON Lines, a header line, one mail registration or DAV subscription
 * per line, a trailer with the counts (so a truncated file is noticed). Backups are the same, gzip-compressed. Files
 * are written to a temporary name and renamed when complete, owner-only ({@code 0600}): they hold device tokens.
 *
 * <p>Version 2 (written now) adds DAV subscriptions, lines with {@code "type":"dav-subscription"}, and their count in
 * the trailer ({@code "subscriptions"}); a registration's line is as in version 1 (no {@code type}). Version 1
 * files (registrations only, {@code "count"} in the trailer) are still read; a mailpush that knows only version 1
 * refuses a version 2 file by its header rather than misreading it.</p>
 *
 * <pre>
 * {"format":"mailpush-registrations","version":2,"created":"2026-11-27T10:00:00Z"}
 * {"username":"bob","accountId":"...","deviceToken":"...","subtopic":"com.apple.mobilemail","apsVersion":2,
 *  "topic":"com.apple.mail.XServer....","mailboxes":["INBOX"],"firstRegistered":"...","lastRegistered":"..."}
 * {"type":"dav-subscription","kind":"calendar","subscriber":"bob","deviceToken":"...","collectionId":"1178pie...",
 *  "pushKey":"bob/1178pie...","topic":"com.apple.calendar.XServer....","firstSubscribed":"...",
 *  "lastSubscribed":"...","expiresAt":"..."}
 * {"end":true,"count":1,"subscriptions":1}
 * </pre>
 */
public final class RegistrationArchive {

    public static final String FORMAT = "mailpush-registrations";
    /** The version written; {@link #FIRST_VERSION} to this one are read. */
    public static final int VERSION = 2;
    /** Registrations only. */
    public static final int FIRST_VERSION = 1;
    /** The {@code type} of a DAV subscription's line; a line without {@code type} is a registration. */
    static final String DAV_SUBSCRIPTION = "dav-subscription";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistrationArchive() {
    }

    /**
     * Writes every registration and DAV subscription of {@code store} from one transaction
     * ({@link TokenStore#exportAll}).
     *
     * @param gzip compress (a backup) or not (an export)
     * @return how many of each were written
     */
    public static TransferCount write(final TokenStore store, final Path file, final boolean gzip) throws IOException {
        final Path parent = file.toAbsolutePath().getParent();
        final Path temporary = Files.createTempFile(parent, "." + file.getFileName(), ".part",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            final TransferCount count;
            try (OutputStream raw = Files.newOutputStream(temporary);
                 OutputStream out = gzip ? new GZIPOutputStream(raw, 65_536) : raw;
                 Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
                final ObjectNode header = JSON.createObjectNode().put("format", FORMAT).put("version", VERSION)
                        .put("created", Instant.now().toString());
                writer.write(header + "\n");
                count = store.exportAll(target -> {
                    try {
                        writer.write((target instanceof Registration registration ? toJson(registration)
                                : toJson((DavSubscription) target)) + "\n");
                    } catch (final IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                writer.write(JSON.createObjectNode().put("end", true).put("count", count.registrations())
                        .put("subscriptions", count.subscriptions()) + "\n");
            } catch (final UncheckedIOException e) {
                throw e.getCause();
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return count;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Reads a file written by {@link #write} (compressed or not, detected from its first bytes; version 1 or 2)
     * lazily, one push target at a time: {@link Registration}s and {@link DavSubscription}s in the file's order. A
     * broken line or a missing or wrong trailer throws {@link ArchiveException} when it is reached. A plain JSON
     * Lines file of push targets without header and trailer is accepted too, unless {@code requireComplete}.
     */
    public static Iterable<PushTarget> read(final Path file, final boolean requireComplete) {
        return () -> new LineIterator(file, requireComplete);
    }

    static ObjectNode toJson(final Registration registration) {
        final ObjectNode node = JSON.createObjectNode()
                .put("username", registration.username())
                .put("accountId", registration.accountId())
                .put("deviceToken", registration.deviceToken())
                .put("subtopic", registration.subtopic())
                .put("apsVersion", registration.apsVersion());
        if (registration.topic() != null) {
            node.put("topic", registration.topic());
        }
        final ArrayNode mailboxes = node.putArray("mailboxes");
        registration.mailboxes().forEach(mailboxes::add);
        node.put("firstRegistered", registration.firstRegistered().toString());
        node.put("lastRegistered", registration.lastRegistered().toString());
        return node;
    }

    static Registration fromJson(final JsonNode node, final String where) {
        final String token = text(node, "deviceToken", where);
        if (!DeviceTokens.isValid(token)) {
            throw new ArchiveException(where + ": deviceToken " + DeviceTokens.mask(token) + " is not hex");
        }
        final Set<String> mailboxes = new LinkedHashSet<>();
        final JsonNode list = node.get("mailboxes");
        if (list != null && list.isArray()) {
            list.forEach(mailbox -> mailboxes.add(mailbox.asText()));
        }
        final JsonNode topic = node.get("topic");
        try {
            final Instant last = Instant.parse(text(node, "lastRegistered", where));
            final JsonNode first = node.get("firstRegistered");
            return new Registration(text(node, "username", where), text(node, "accountId", where),
                    DeviceTokens.canonical(token), text(node, "subtopic", where), node.path("apsVersion").asInt(2),
                    mailboxes, topic == null || topic.isNull() ? null : topic.asText(),
                    first == null ? last : Instant.parse(first.asText()), last);
        } catch (final DateTimeParseException e) {
            throw new ArchiveException(where + ": a registration time is not an ISO-8601 instant");
        }
    }

    static ObjectNode toJson(final DavSubscription subscription) {
        return JSON.createObjectNode()
                .put("type", DAV_SUBSCRIPTION)
                .put("kind", subscription.kind().label())
                .put("subscriber", subscription.subscriber())
                .put("deviceToken", subscription.deviceToken())
                .put("collectionId", subscription.collectionId())
                .put("pushKey", subscription.pushKey())
                .put("topic", subscription.topic())
                .put("firstSubscribed", subscription.firstSubscribed().toString())
                .put("lastSubscribed", subscription.lastSubscribed().toString())
                .put("expiresAt", subscription.expiresAt().toString());
    }

    static DavSubscription subscriptionFromJson(final JsonNode node, final String where) {
        final String token = text(node, "deviceToken", where);
        if (!DavSubscription.isApnsToken(token)) {
            throw new ArchiveException(where + ": deviceToken " + DeviceTokens.mask(token) + " is not 64 hex digits");
        }
        final PushTarget.Kind kind;
        try {
            kind = PushTarget.Kind.fromLabel(text(node, "kind", where));
        } catch (final IllegalArgumentException e) {
            throw new ArchiveException(where + ": " + e.getMessage());
        }
        if (kind == PushTarget.Kind.MAIL) {
            throw new ArchiveException(where + ": a DAV subscription's kind is calendar or contacts, not mail");
        }
        try {
            final Instant last = Instant.parse(text(node, "lastSubscribed", where));
            final JsonNode first = node.get("firstSubscribed");
            return new DavSubscription(token, text(node, "collectionId", where), text(node, "pushKey", where),
                    text(node, "topic", where), kind, text(node, "subscriber", where),
                    first == null ? last : Instant.parse(first.asText()), last,
                    Instant.parse(text(node, "expiresAt", where)));
        } catch (final DateTimeParseException e) {
            throw new ArchiveException(where + ": a subscription time is not an ISO-8601 instant");
        }
    }

    /** The push target of one line: a registration unless its {@code type} says otherwise. */
    static PushTarget targetFromJson(final JsonNode node, final String where) {
        final JsonNode type = node.get("type");
        if (type == null) {
            return fromJson(node, where);
        }
        if (DAV_SUBSCRIPTION.equals(type.asText())) {
            return subscriptionFromJson(node, where);
        }
        throw new ArchiveException(where + ": unknown type \"" + type.asText() + "\" (registrations have none, DAV"
                + " subscriptions \"" + DAV_SUBSCRIPTION + "\")");
    }

    private static String text(final JsonNode node, final String field, final String where) {
        final JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new ArchiveException(where + ": " + field + " is missing");
        }
        return value.asText();
    }

    /** Streams push targets out of the file, checking header and trailer. */
    private static final class LineIterator implements Iterator<PushTarget> {
        private final Path file;
        private final boolean requireComplete;
        private final BufferedReader reader;
        private PushTarget next;
        private int lineNumber;
        private long count;
        private long subscriptions;
        private boolean trailerSeen;

        LineIterator(final Path file, final boolean requireComplete) {
            this.file = file;
            this.requireComplete = requireComplete;
            try {
                final InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file));
                raw.mark(2);
                final boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
                raw.reset();
                this.reader = new BufferedReader(new InputStreamReader(gzip ? new GZIPInputStream(raw) : raw,
                        StandardCharsets.UTF_8));
            } catch (final IOException e) {
                throw new ArchiveException(file + ": cannot read it (" + e.getMessage() + ")", e);
            }
            advance();
        }

        private void advance() {
            next = null;
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    lineNumber++;
                    if (line.isBlank()) {
                        continue;
                    }
                    final String where = file + " line " + lineNumber;
                    if (trailerSeen) {
                        throw new ArchiveException(where + ": data after the end marker");
                    }
                    final JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (final JacksonException e) {
                        throw new ArchiveException(where + ": not JSON (" + e.getOriginalMessage() + ")");
                    }
                    if (node.has("format")) {
                        final int version = node.path("version").asInt();
                        if (lineNumber != 1 || !FORMAT.equals(node.path("format").asText())
                                || version < FIRST_VERSION || version > VERSION) {
                            throw new ArchiveException(where + ": not a mailpush registrations file of version "
                                    + FIRST_VERSION + " to " + VERSION);
                        }
                        continue;
                    }
                    if (node.has("end")) {
                        if (node.path("count").asLong(-1) != count) {
                            throw new ArchiveException(where + ": the file says " + node.path("count").asText()
                                    + " registrations but holds " + count);
                        }
                        // Version 1 has no DAV subscriptions, and no count of them.
                        if (node.path("subscriptions").asLong(0) != subscriptions) {
                            throw new ArchiveException(where + ": the file says " + node.path("subscriptions")
                                    .asText() + " DAV subscriptions but holds " + subscriptions);
                        }
                        trailerSeen = true;
                        continue;
                    }
                    next = targetFromJson(node, where);
                    if (next instanceof Registration) {
                        count++;
                    } else {
                        subscriptions++;
                    }
                    return;
                }
                reader.close();
                if (requireComplete && !trailerSeen) {
                    throw new ArchiveException(file + ": ends without its end marker after " + count
                            + " registrations and " + subscriptions + " DAV subscriptions: the file is truncated");
                }
            } catch (final IOException e) {
                throw new ArchiveException(file + " line " + lineNumber + ": cannot read it (" + e.getMessage() + ")",
                        e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public PushTarget next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            final PushTarget current = next;
            advance();
            return current;
        }
    }
}
