package org.mailpush.imap.codec;

import org.mailpush.common.mail.DeviceTokens;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;

/**
 * Parses {@code XAPPLEPUSHSERVICE} as iOS sends it, the older and the newer form alike (protocols.md §1): key/value
 * pairs in any order, keys and values as atoms, quoted strings or literals, unknown keys skipped (recent iOS adds
 * {@code sender}, which Cyrus 3.6.1 refuses), {@code mailboxes} a parenthesised list that may be empty. Errors are
 * Cyrus's own texts, so clients see what they would see from Cyrus. Stateless.
 */
public final class XApplePushServiceParser {

    public static final String COMMAND = "XAPPLEPUSHSERVICE";

    /**
     * Distinct mailbox names kept from one command; later ones are read and ignored. iOS asks for the folders the
     * user enabled, a handful; the proxy checks at most this many with the server anyway.
     */
    public static final int MAX_MAILBOXES = 100;

    static final String MISSING_ARGUMENT = "Missing required argument to Xapplepushservice";
    static final String EXTRA_ARGUMENTS = "Unexpected extra arguments to Xapplepushservice";

    private XApplePushServiceParser() {
    }

    /**
     * @param command the whole command as received: {@code tag XAPPLEPUSHSERVICE args CRLF} with any literals inline
     * @throws ImapReply the NO or BAD to answer
     */
    public static XApplePushServiceRequest parse(final byte[] command) throws ImapReply {
        final ImapReader reader = new ImapReader(command);
        try {
            final ImapToken tag = reader.next();
            final ImapToken name = reader.next();
            if (tag.type() != ImapToken.Type.ATOM || !name.isString()
                    || !COMMAND.equalsIgnoreCase(name.text())) {
                throw new ImapReply(ImapReply.Status.BAD, "Not an XAPPLEPUSHSERVICE command");
            }
            if (reader.atEnd()) {
                throw new ImapReply(ImapReply.Status.BAD, MISSING_ARGUMENT);
            }
            int version = 0;
            String accountId = null;
            String deviceToken = null;
            String subtopic = null;
            final Set<String> mailboxes = new LinkedHashSet<>();
            while (true) {
                final ImapToken key = reader.next();
                if (key.type() == ImapToken.Type.END) {
                    break;
                }
                if (!key.isString()) {
                    throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
                }
                final ImapToken value = reader.next();
                switch (key.text().toLowerCase(Locale.ROOT)) {
                    case "aps-version" -> version = version(value);
                    case "aps-account-id" -> accountId = string(value);
                    case "aps-device-token" -> deviceToken = string(value);
                    case "aps-subtopic" -> subtopic = string(value);
                    case "mailboxes" -> list(reader, value, mailboxes);
                    default -> skip(reader, value);
                }
            }
            if (accountId == null || accountId.isEmpty()) {
                throw new ImapReply(ImapReply.Status.NO, "Missing APNS account ID");
            }
            if (deviceToken == null || deviceToken.isEmpty()) {
                throw new ImapReply(ImapReply.Status.NO, "Missing APNS device token");
            }
            if (subtopic == null || subtopic.isEmpty()) {
                throw new ImapReply(ImapReply.Status.NO, "Missing APNS sub-topic");
            }
            if (!DeviceTokens.isValid(deviceToken)) {
                throw new ImapReply(ImapReply.Status.NO, "Invalid APNS device token");
            }
            return new XApplePushServiceRequest(tag.text(), version == 1 ? 1 : 2, accountId,
                    DeviceTokens.canonical(deviceToken), subtopic, List.copyOf(mailboxes));
        } catch (final ImapSyntaxException e) {
            throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
        }
    }

    private static int version(final ImapToken value) throws ImapReply {
        final String text = string(value);
        if (!text.matches("\\d{1,6}")) {
            throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
        }
        return Integer.parseInt(text);
    }

    private static String string(final ImapToken value) throws ImapReply {
        if (!value.isString()) {
            throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
        }
        return value.text();
    }

    private static void list(final ImapReader reader, final ImapToken open, final Set<String> into)
            throws ImapReply, ImapSyntaxException {
        if (open.type() != ImapToken.Type.LIST_START) {
            throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
        }
        while (true) {
            final ImapToken item = reader.next();
            if (item.type() == ImapToken.Type.LIST_END) {
                return;
            }
            if (!item.isString()) {
                throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
            }
            if (into.size() < MAX_MAILBOXES) {
                into.add(item.text()); // a set: one lookup per name, however many there are
            }
        }
    }

    /** Skips an unknown key's value: a string, or a parenthesised list (nested lists too). */
    private static void skip(final ImapReader reader, final ImapToken value) throws ImapReply, ImapSyntaxException {
        if (value.isString()) {
            return;
        }
        if (value.type() != ImapToken.Type.LIST_START) {
            throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
        }
        int depth = 1;
        while (depth > 0) {
            final ImapToken token = reader.next();
            switch (token.type()) {
                case LIST_START -> depth++;
                case LIST_END -> depth--;
                case END -> throw new ImapReply(ImapReply.Status.BAD, EXTRA_ARGUMENTS);
                default -> {
                }
            }
        }
    }
}
