package org.mailpush.notifyd.cyrus;

import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.common.mail.MailboxNames;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the mailbox of a Cyrus event from its {@code uri}: the owner, and the mailbox's path below the owner's
 * INBOX, whatever Cyrus's {@code altnamespace}, {@code unixhierarchysep} and {@code virtdomains} are.
 *
 * <p>Cyrus writes {@code imap://<server>/<name>;UIDVALIDITY=<n>[/;UID=<n>]} where {@code name} is the mailbox's
 * name in the admin namespace, percent-encoded UTF-8, which {@code altnamespace} does not change:
 * {@code user/test}, {@code user/test/Sent} with unixhierarchysep (the 3.x default), {@code user.test.Sent}
 * without, {@code user/test/Sent@example.com} with virtual domains (the domain trails the whole name). So the
 * separator is the character after {@code user}, and a trailing {@code @domain} is the owner's domain. The owner's
 * INBOX is {@code INBOX}; a folder is its path below INBOX ({@code Sent}, {@code Work/2026}), which a client sees as
 * {@code Sent} with altnamespace or {@code INBOX/Sent} without: routing matches both
 * ({@link org.mailpush.common.mail.MailboxNames#clientNames}). No setting says any of this, so none can be out of
 * step with imapd.conf.</p>
 *
 * <p>The one guess: a trailing {@code @} followed by a domain name (dot-separated letters, digits and hyphens, at
 * least two labels) is read as a virtual domain, since the URI cannot say whether virtdomains is on. Without
 * virtdomains a folder named like {@code me@example.com} would be read as user {@code test@example.com}'s
 * {@code me}; a folder named {@code a@b} (one label) stays a folder. Stateless and thread-safe.</p>
 */
final class CyrusMailboxNames {

    private static final String SCHEME = "imap://";
    /** The longest mailbox name taken from a uri, decoded. */
    static final int MAX_NAME_CHARS = 1024;
    private static final String USER = "user";

    private CyrusMailboxNames() {
    }

    /**
     * Where an event happened.
     *
     * @param mailbox   the path below the owner's INBOX, {@code INBOX} for the INBOX itself
     * @param separator Cyrus's hierarchy separator, as the name showed it: {@code /} or {@code .}
     */
    record Location(String owner, String mailbox, char separator, long uidValidity, long uid) {
    }

    /**
     * Reads the URI.
     *
     * @return the location; empty for a mailbox outside any user's personal namespace (a shared folder)
     * @throws BadInputException when the URI is not an IMAP URL or its name is not valid percent-encoded UTF-8
     */
    static Optional<Location> locate(final String uri) throws BadInputException {
        if (uri.length() < SCHEME.length() || !uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri does not start with imap://: "
                    + NotifyDatagramParser.abbreviate(uri));
        }
        final int pathStart = uri.indexOf('/', SCHEME.length());
        if (pathStart < 0) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri names no mailbox: "
                    + NotifyDatagramParser.abbreviate(uri));
        }
        final int parameters = uri.indexOf(';', pathStart);
        final String encodedName = uri.substring(pathStart + 1, parameters < 0 ? uri.length() : parameters);
        final String tail = parameters < 0 ? "" : uri.substring(parameters);
        final long uidValidity = numericParameter(tail, ";UIDVALIDITY=");
        final long uid = numericParameter(tail, "/;UID=");

        String name = percentDecode(encodedName);
        // The owner and folder become log text, cache keys and store parameters: bounded (Cyrus's own names stay
        // under 490 bytes) and without control characters (%00 would fail a PostgreSQL batch, %0A forge a log line).
        if (name.length() > MAX_NAME_CHARS) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri names a mailbox of " + name.length()
                    + " characters, more than " + MAX_NAME_CHARS);
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri mailbox name contains a control character");
        }
        String domain = null;
        final int at = name.lastIndexOf('@');
        if (at >= 0 && isDomain(name, at + 1)) {
            domain = name.substring(at + 1);
            name = name.substring(0, at);
        }
        if (name.length() <= USER.length() + 1 || !name.startsWith(USER)) {
            return Optional.empty();
        }
        final char separator = name.charAt(USER.length());
        if (separator != '/' && separator != '.') {
            return Optional.empty();
        }
        final String rest = name.substring(USER.length() + 1);
        final int folderStart = rest.indexOf(separator);
        final String localOwner = folderStart < 0 ? rest : rest.substring(0, folderStart);
        final String folder = folderStart < 0 ? "" : rest.substring(folderStart + 1);
        if (localOwner.isEmpty()) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri names an empty user: "
                    + NotifyDatagramParser.abbreviate(uri));
        }
        final String owner = domain == null ? localOwner : localOwner + "@" + domain;
        final String mailbox = folder.isEmpty() ? MailboxNames.INBOX : folder;
        return Optional.of(new Location(owner, mailbox, separator, uidValidity, uid));
    }

    /**
     * Whether {@code name} from {@code start} on is a domain name: at least two dot-separated labels of letters,
     * digits and inner hyphens, 253 characters at most.
     */
    static boolean isDomain(final String name, final int start) {
        if (name.length() - start > 253) {
            return false;
        }
        int labels = 0;
        int labelStart = start;
        for (int i = start; i <= name.length(); i++) {
            if (i == name.length() || name.charAt(i) == '.') {
                if (i == labelStart || name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-'
                        || i - labelStart > 63) {
                    return false;
                }
                labels++;
                labelStart = i + 1;
            } else {
                final char c = name.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        return labels >= 2;
    }

    private static long numericParameter(final String tail, final String key) throws BadInputException {
        final int at = tail.toUpperCase(Locale.ROOT).indexOf(key);
        if (at < 0) {
            return 0;
        }
        int end = at + key.length();
        while (end < tail.length() && Character.isDigit(tail.charAt(end))) {
            end++;
        }
        final String digits = tail.substring(at + key.length(), end);
        try {
            return Long.parseLong(digits);
        } catch (final NumberFormatException e) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri parameter " + key.replace("/", "")
                    .replace(";", "") + " is not a number: " + NotifyDatagramParser.abbreviate(digits));
        }
    }

    /** RFC 3986 percent-decoding into UTF-8; unlike URLDecoder, {@code +} stays a plus. */
    static String percentDecode(final String encoded) throws BadInputException {
        if (encoded.indexOf('%') < 0) {
            return encoded;
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            final char c = encoded.charAt(i);
            if (c == '%') {
                if (i + 2 >= encoded.length()) {
                    throw new BadInputException(BadInputKind.BAD_URI, "uri ends inside a %-escape");
                }
                final int high = Character.digit(encoded.charAt(i + 1), 16);
                final int low = Character.digit(encoded.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw new BadInputException(BadInputKind.BAD_URI, "uri has a malformed %-escape: "
                            + NotifyDatagramParser.abbreviate(encoded.substring(i, i + 3)));
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else {
                int end = encoded.indexOf('%', i);
                end = end < 0 ? encoded.length() : end;
                final byte[] utf8 = encoded.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (final CharacterCodingException e) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri mailbox name is not percent-encoded UTF-8");
        }
    }
}
