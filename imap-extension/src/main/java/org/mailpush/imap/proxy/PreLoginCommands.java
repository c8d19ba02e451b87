package org.mailpush.imap.proxy;

import org.mailpush.imap.codec.ImapReader;
import org.mailpush.imap.codec.ImapSyntaxException;
import org.mailpush.imap.codec.ImapToken;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

/**
 * What may reach the server before login, and in what form. Before login the proxy's one job is to know, for certain,
 * which tagged answer is the login's; that holds only if the server reads every byte exactly as the proxy does. A
 * server that refuses a line part-way (a parse error, a command that reads fewer arguments than were sent) skips the
 * rest of that line, literal and all, and executes the literal's bytes as commands the proxy never saw: one of them
 * could be a login whose answer the proxy would take for another. So before login nothing passes as the client wrote
 * it unless it is trivially unambiguous:
 * <ul>
 *   <li>only {@link #ALLOWED} commands; anything else is answered by the proxy;</li>
 *   <li>{@code CAPABILITY}, {@code NOOP}, {@code LOGOUT}: no arguments at all;</li>
 *   <li>{@code LOGIN} is read whole (its literals included) and sent as one line the proxy writes itself, with the
 *       user and password as atoms or quoted strings ({@link #login});</li>
 *   <li>{@code AUTHENTICATE}: a mechanism name and an optional base64 initial response, on one line
 *       ({@link #authenticate}); each SASL response a base64 line or {@code *} ({@link #saslResponse});</li>
 *   <li>{@code ID} is rebuilt by {@link ClientIdCommand}; {@code STARTTLS} and XAPPLEPUSHSERVICE are the proxy's.</li>
 * </ul>
 * Stateless.
 */
final class PreLoginCommands {

    /** The commands a client may send before login (RFC 9051 §6.1, §6.2; RFC 2971 ID). */
    static final Set<String> ALLOWED = Set.of("CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
            "ID");

    /** The commands that take no arguments in any state; a line with arguments for them is refused. */
    static final Set<String> NO_ARGUMENTS = Set.of("CAPABILITY", "NOOP", "LOGOUT", "IDLE", "CHECK", "CLOSE",
            "UNSELECT", "NAMESPACE", "EXPUNGE");

    private PreLoginCommands() {
    }

    /**
     * The LOGIN line to send for a whole LOGIN command (literals inline), with CRLF, as ISO-8859-1 text (one char per
     * byte: the password's bytes pass unchanged, whatever their charset); empty when it is not exactly a tag, LOGIN
     * and two strings, or a string holds CR, LF or NUL (which no quoted string can carry).
     */
    static Optional<String> login(final byte[] command) {
        try {
            final ImapReader reader = new ImapReader(command, 0, command.length, StandardCharsets.ISO_8859_1);
            final ImapToken tag = reader.next();
            final ImapToken name = reader.next();
            final ImapToken user = reader.next();
            final ImapToken password = reader.next();
            if (tag.type() != ImapToken.Type.ATOM || !"LOGIN".equalsIgnoreCase(name.text()) || !user.isString()
                    || !password.isString() || !reader.atEnd()) {
                return Optional.empty();
            }
            final Optional<String> userText = astring(user.text());
            final Optional<String> passwordText = astring(password.text());
            if (userText.isEmpty() || passwordText.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(tag.text() + " LOGIN " + userText.get() + " " + passwordText.get() + "\r\n");
        } catch (final ImapSyntaxException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether an AUTHENTICATE line is a mechanism name and at most a base64 initial response (RFC 4959), nothing
     * else: no literal, no third word.
     *
     * @param arguments what follows {@code AUTHENTICATE } on the line, without the line end
     */
    static boolean authenticate(final String arguments) {
        final String[] words = arguments.split(" ", -1);
        if (words.length < 1 || words.length > 2 || !mechanism(words[0])) {
            return false;
        }
        return words.length == 1 || words[1].equals("=") || base64(words[1]);
    }

    /** Whether a SASL response line (without its line end) is base64 or {@code *} (RFC 9051 §6.2.2). */
    static boolean saslResponse(final String response) {
        return response.equals("*") || response.isEmpty() || base64(response);
    }

    /** RFC 4422 sasl-mech: 1 to 20 of upper-case letters, digits, {@code -} and {@code _} (any case accepted). */
    private static boolean mechanism(final String word) {
        if (word.isEmpty() || word.length() > 20) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            final char c = word.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean base64(final String word) {
        if (word.isEmpty() || word.length() % 4 != 0) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            final char c = word.charAt(i);
            final boolean padding = c == '=' && i >= word.length() - 2;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
                    || padding)) {
                return false;
            }
        }
        return word.indexOf('=') < 0 || word.substring(word.indexOf('=')).chars().allMatch(c -> c == '=');
    }

    /**
     * An atom when the text is one (what most clients send, so their LOGIN passes unchanged), else a quoted string:
     * servers take any byte in one but CR, LF and NUL (Dovecot; Cyrus's getxstring), 8-bit included (RFC 9051 allows
     * UTF-8 there). Empty for text with CR, LF or NUL.
     */
    private static Optional<String> astring(final String text) {
        if (!text.isEmpty() && atom(text)) {
            return Optional.of(text);
        }
        final StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return Optional.empty();
            }
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return Optional.of(quoted.append('"').toString());
    }

    /** RFC 9051 ASTRING-CHAR, 7-bit: no atom-specials (but {@code ]}), no controls, no space. */
    private static boolean atom(final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "(){%*\"\\".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }
}
