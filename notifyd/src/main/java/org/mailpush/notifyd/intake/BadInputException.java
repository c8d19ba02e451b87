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
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public BadInputException(final BadInputKind kind, final String message, final Throwable cause) {
        super(message, cause);
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
}
