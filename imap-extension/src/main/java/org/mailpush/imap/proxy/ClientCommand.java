package org.mailpush.imap.proxy;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * A client command while its lines and literals go by: its tag and name, what the proxy does with it, and (when
 * the proxy must read it) its bytes so far, up to a bound.
 */
final class ClientCommand {

    /** What the proxy does with a command. */
    enum Handling {
        /** Sent on to the server untouched. */
        FORWARD,
        /** Sent on, and read on the way (LOGIN, AUTHENTICATE: who logs in). */
        FORWARD_AND_READ,
        /** Answered by the proxy (XAPPLEPUSHSERVICE); never reaches the server. */
        ANSWER,
        /** Already answered with an error; its remaining literals are dropped. */
        DISCARD
    }

    final String tag;
    final String name;
    Handling handling;
    private final ByteArrayOutputStream bytes;
    private final int maxBytes;
    private boolean overflowed;

    ClientCommand(final String tag, final String name, final Handling handling, final int maxBytes) {
        this.tag = tag;
        this.name = name.toUpperCase(Locale.ROOT);
        this.handling = handling;
        this.maxBytes = maxBytes;
        this.bytes = handling == Handling.FORWARD || handling == Handling.DISCARD ? null : new ByteArrayOutputStream();
    }

    /** Keeps a copy of these bytes when the proxy reads this command. */
    void keep(final byte[] part) {
        if (bytes == null || overflowed) {
            return;
        }
        if (bytes.size() + part.length > maxBytes) {
            overflowed = true;
            return;
        }
        bytes.writeBytes(part);
    }

    /** The bytes kept, or {@code null} when the command was longer than the bound. */
    byte[] bytes() {
        return overflowed || bytes == null ? null : bytes.toByteArray();
    }

    /** The tag and name of a command line: its first two space-separated words (or what there is). */
    static String[] head(final String line) {
        final String trimmed = line.endsWith("\r\n") ? line.substring(0, line.length() - 2)
                : line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        final String[] words = trimmed.split(" ", 4);
        return new String[]{words[0], words.length > 1 ? words[1] : "", words.length > 2 ? words[2] : "",
                words.length > 3 ? words[3] : ""};
    }
}
