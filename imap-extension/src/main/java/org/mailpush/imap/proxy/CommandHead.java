package org.mailpush.imap.proxy;

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
        return new CommandHead(words[0], words.length > 1 ? asciiUpperCase(words[1]) : "",
                words.length > 2 ? words[2] : "");
    }

    /** The longest tag the proxy passes on; Dovecot refuses longer ones (answering untagged, which no one can pair). */
    static final int MAX_TAG_LENGTH = 64;

    /**
     * Upper-cases ASCII letters only: {@code toUpperCase(Locale.ROOT)} would make "logın" (dotless i) LOGIN and
     * "ſtarttls" (long s) STARTTLS for the proxy, while the server sees neither.
     */
    static String asciiUpperCase(final String word) {
        final char[] chars = word.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'a' && chars[i] <= 'z') {
                chars[i] = (char) (chars[i] - 'a' + 'A');
            }
        }
        return new String(chars);
    }

    /** Whether the command has no arguments and announces no literal (what zero-argument commands must be). */
    boolean bare() {
        return rest.isEmpty();
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
     * Whether the tag and name are well-formed: a tag is one to {@value #MAX_TAG_LENGTH} ASTRING-CHARs but {@code +}
     * (RFC 9051 §9) and {@code /} (which Dovecot refuses), a command name an atom of letters and digits. A line that
     * fails this is answered by the proxy and never sent on: the server would answer it untagged, and nothing could
     * tell which command that answer ends.
     */
    boolean wellFormed() {
        if (tag.isEmpty() || tag.length() > MAX_TAG_LENGTH || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            final char c = tag.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "(){%*\"\\+/".indexOf(c) >= 0) {
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
