package org.mailpush.notifyd.intake;

import java.util.Objects;

/**
 * An input was refused. The message names what was wrong in terms an admin can act on and never carries a whole
 * device token or a password. {@link #refusesRegistration()} tells a refused device registration apart: the doors
 * of Cyrus and the xaps plugin have already told the phone "OK", so the count and the log are its only trace.
 */
public final class BadInputException extends Exception {

    private static final long serialVersionUID = 1L;

    private final BadInputKind kind;
    private final boolean registration;

    public BadInputException(final BadInputKind kind, final String message) {
        this(kind, message, null, false);
    }

    public BadInputException(final BadInputKind kind, final String message, final Throwable cause) {
        this(kind, message, cause, false);
    }

    private BadInputException(final BadInputKind kind, final String message, final Throwable cause,
                              final boolean registration) {
        super(oneLine(message), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.registration = registration;
    }

    /** A refused device registration, for {@code kind} and {@code message}. */
    public static BadInputException refusedRegistration(final BadInputKind kind, final String message) {
        return new BadInputException(kind, message, null, true);
    }

    /** The same refusal, marked as the refusal of a device registration. */
    public BadInputException asRegistration() {
        return registration ? this : new BadInputException(kind, getMessage(), getCause(), true);
    }

    public BadInputKind kind() {
        return kind;
    }

    /** Whether what was refused was a device registration. */
    public boolean refusesRegistration() {
        return registration;
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
