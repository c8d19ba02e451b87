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
 * Reads the mailbox of a Cyrus event from its {@code uri}: the owner, and the name as the owner's client sees it.
 *
 * <p>Cyrus writes {@code imap://<server>/<name>;UIDVALIDITY=<n>[/;UID=<n>]} where {@code name} is the mailbox's
 * name in the admin namespace, percent-encoded UTF-8: {@code user/test}, {@code user/test/Sent},
 * {@code user.test.Sent} without unixhierarchysep, {@code user/test/Sent@example.com} with virtual domains (the
 * domain trails the whole name). The owner's INBOX is {@code INBOX}; a folder is {@code Sent} with altnamespace or
 * {@code INBOX/Sent} without. Stateless and thread-safe.</p>
 */
final class CyrusMailboxNames {

    private static final String SCHEME = "imap://";

    private final CyrusNamespace namespace;

    CyrusMailboxNames(final CyrusNamespace namespace) {
        this.namespace = namespace;
    }

    /** Where an event happened. */
    record Location(String owner, String mailbox, long uidValidity, long uid) {
    }

    /**
     * Reads the URI.
     *
     * @return the location; empty for a mailbox outside any user's personal namespace (a shared folder)
     * @throws BadInputException when the URI is not an IMAP URL or its name is not valid percent-encoded UTF-8
     */
    Optional<Location> locate(final String uri) throws BadInputException {
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
        String domain = null;
        if (namespace.virtDomains()) {
            final int at = name.lastIndexOf('@');
            if (at >= 0) {
                domain = name.substring(at + 1);
                name = name.substring(0, at);
            }
        }
        final char separator = namespace.separator();
        final String userPrefix = "user" + separator;
        if (!name.startsWith(userPrefix) || name.length() == userPrefix.length()) {
            return Optional.empty();
        }
        final String rest = name.substring(userPrefix.length());
        final int folderStart = rest.indexOf(separator);
        final String localOwner = folderStart < 0 ? rest : rest.substring(0, folderStart);
        final String folder = folderStart < 0 ? "" : rest.substring(folderStart + 1);
        if (localOwner.isEmpty()) {
            throw new BadInputException(BadInputKind.BAD_URI, "uri names an empty user: "
                    + NotifyDatagramParser.abbreviate(uri));
        }
        final String owner = domain == null ? localOwner : localOwner + "@" + domain;
        final String mailbox;
        if (folder.isEmpty()) {
            mailbox = MailboxNames.INBOX;
        } else if (namespace.altNamespace()) {
            mailbox = folder;
        } else {
            mailbox = MailboxNames.INBOX + separator + folder;
        }
        return Optional.of(new Location(owner, mailbox, uidValidity, uid));
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
