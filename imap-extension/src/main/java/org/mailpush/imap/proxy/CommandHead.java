package org.mailpush.imap.proxy;

import java.util.Locale;

/**
 * The tag and name at the start of a client command line, and what follows them, as far as the proxy needs them
 * to route the command.
 *
 * @param tag  as sent (tags are compared exactly)
 * @param name upper-cased
 * @param rest the arguments, without the line end
 */
record CommandHead(String tag, String name, String rest) {

    /** Reads the head of a command line; {@code name} is empty when the line has no second word. */
    static CommandHead of(final String line) {
        final String trimmed = line.endsWith("\r\n") ? line.substring(0, line.length() - 2)
                : line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        final String[] words = trimmed.split(" ", 3);
        return new CommandHead(words[0], words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "",
                words.length > 2 ? words[2] : "");
    }

    /** The first word of {@link #rest}: AUTHENTICATE's mechanism. */
    String firstArgument() {
        final int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }

    /** What follows {@link #firstArgument}: AUTHENTICATE's initial response (SASL-IR), empty when none. */
    String secondArgument() {
        final int space = rest.indexOf(' ');
        return space < 0 ? "" : rest.substring(space + 1).strip();
    }

    /**
     * Whether the tag and name are well-formed: a tag is one or more ASTRING-CHARs but {@code +} (RFC 9051 §9), a
     * command name an atom of letters and digits. A line that fails this is answered by the proxy and never sent on:
     * the server would answer it untagged, and nothing could tell when it ends.
     */
    boolean wellFormed() {
        if (tag.isEmpty() || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            final char c = tag.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "(){%*\"\\+".indexOf(c) >= 0) {
                return false;
            }
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }
}
