package org.mailpush.imap.proxy;

import org.mailpush.imap.codec.ImapQuoting;
import org.mailpush.imap.codec.ImapReader;
import org.mailpush.imap.codec.ImapSyntaxException;
import org.mailpush.imap.codec.ImapToken;

import java.util.Locale;
import java.util.Optional;

/**
 * A client's {@code ID} command (RFC 2971) as the proxy passes it on: without the {@code x-*} fields, which a server
 * that trusts the proxy's address (Dovecot's {@code login_trusted_networks}) would believe as the proxy's word about
 * the client's address, session or TTL. It is rebuilt on one line with quoted strings only (the proxy must not
 * send a synchronizing literal of its own); a field whose name or value could not be quoted (8-bit text, a line
 * break, a NUL, over 1024 characters) is dropped too. Stateless.
 */
final class ClientIdCommand {

    /** RFC 2971 §3.3: at most 30 field-value pairs. */
    static final int MAX_FIELDS = 30;

    private ClientIdCommand() {
    }

    /**
     * The command to send in place of {@code command} (whole, literals inline), with its CRLF; empty when it is not
     * an ID command the server could accept (the proxy answers BAD).
     */
    static Optional<String> rewrite(final byte[] command) {
        try {
            final ImapReader reader = new ImapReader(command);
            final ImapToken tag = reader.next();
            final ImapToken name = reader.next();
            if (tag.type() != ImapToken.Type.ATOM || !"ID".equalsIgnoreCase(name.text())) {
                return Optional.empty();
            }
            final ImapToken first = reader.next();
            if (first.type() == ImapToken.Type.ATOM && "NIL".equalsIgnoreCase(first.text()) && reader.atEnd()) {
                return Optional.of(tag.text() + " ID NIL\r\n");
            }
            if (first.type() != ImapToken.Type.LIST_START) {
                return Optional.empty();
            }
            final StringBuilder kept = new StringBuilder();
            int fields = 0;
            while (true) {
                final ImapToken key = reader.next();
                if (key.type() == ImapToken.Type.LIST_END) {
                    break;
                }
                final ImapToken value = reader.next();
                if (!key.isString() || key.type() == ImapToken.Type.END || value.type() == ImapToken.Type.END
                        || value.type() == ImapToken.Type.LIST_START || value.type() == ImapToken.Type.LIST_END
                        || ++fields > MAX_FIELDS) {
                    return Optional.empty();
                }
                final boolean nil = value.type() == ImapToken.Type.ATOM && "NIL".equalsIgnoreCase(value.text());
                if (key.text().toLowerCase(Locale.ROOT).startsWith("x-") || !quotable(key.text())
                        || !nil && !quotable(value.text())) {
                    continue;
                }
                kept.append(kept.isEmpty() ? "" : " ").append(ImapQuoting.quoted(key.text())).append(' ')
                        .append(nil ? "NIL" : ImapQuoting.quoted(value.text()));
            }
            if (!reader.atEnd()) {
                return Optional.empty();
            }
            return Optional.of(tag.text() + " ID " + (kept.isEmpty() ? "NIL" : "(" + kept + ")") + "\r\n");
        } catch (final ImapSyntaxException e) {
            return Optional.empty();
        }
    }

    /** RFC 2971 §3.3 bounds a field or value to 1024 octets; 7-bit so it can go on one line. */
    private static boolean quotable(final String text) {
        return text.length() <= 1024 && ImapQuoting.quotable(text);
    }
}
