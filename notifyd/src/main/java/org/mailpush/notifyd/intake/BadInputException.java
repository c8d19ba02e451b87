package org.mailpush.notifyd.intake;

import java.util.Objects;

/**
 * An input was refused. The message names what was wrong in terms an admin can act on and never carries a whole
 * device token or a password.
 */
public final class BadInputException extends Exception {

    private static final long serialVersionUID = 1L;

    private final BadInputKind kind;

    public BadInputException(final BadInputKind kind, final String message) {
        super(oneLine(message));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public BadInputException(final BadInputKind kind, final String message, final Throwable cause) {
        super(oneLine(message), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public BadInputKind kind() {
        return kind;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // Bad input is an expected outcome on a public door, not a bug: skip the stack walk.
        return this;
    }

    /**
     * Messages may quote what the sender sent; its line breaks and other control characters are escaped so that a
     * sender can neither break the one-line log format nor forge log lines.
     */
    static String oneLine(final String message) {
        final StringBuilder line = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            final char c = message.charAt(i);
            if (Character.isISOControl(c)) {
                line.append(String.format("\\u%04x", (int) c));
            } else {
                line.append(c);
            }
        }
        return line.toString();
    }
}
