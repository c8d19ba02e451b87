package org.mailpush.imap.codec;

import java.nio.charset.StandardCharsets;

/** Writes strings into IMAP responses: a quoted string when it can be one, a literal otherwise. */
public final class ImapQuoting {

    private ImapQuoting() {
    }

    /** {@code "text"} with {@code \} and {@code "} escaped; a literal for CR, LF, NUL or 8-bit characters. */
    public static String string(final String text) {
        if (!quotable(text)) {
            return "{" + text.getBytes(StandardCharsets.UTF_8).length + "}\r\n" + text;
        }
        return quoted(text);
    }

    /** Whether {@code text} can be a quoted string: 7-bit, no CR, LF or NUL. */
    public static boolean quotable(final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x01 || c > 0x7f || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    /** {@code "text"} with {@code \} and {@code "} escaped; for text that is {@link #quotable}. */
    public static String quoted(final String text) {
        final StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.append('"').toString();
    }
}
