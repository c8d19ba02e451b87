package org.mailpush.notifyd.intake;

import java.util.Objects;

/**
 * An input was refused. The message names what was wrong in terms an admin can act on and never carries a whole
 * device token or a password. {@link #refusesRegistration()} and {@link #refusesSubscription()} tell a refused
 * device registration or DAV subscription apart: the doors of Cyrus (imapd and httpd) and the xaps plugin have
 * already told the phone "OK", so the count and the log are its only trace.
 */
public final class BadInputException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What the refused input asked for, when it was a device's request for push. */
    private enum Request {
        /** Not a device's request (an event, a malformed datagram). */
        NONE,
        /** A mail registration ({@code ApplePushService}, XAPPLEPUSHSERVICE). */
        REGISTRATION,
        /** A calendar or address-book subscription ({@code ApplePushServiceDAV}). */
        DAV_SUBSCRIPTION
    }

    private final BadInputKind kind;
    private final Request request;

    public BadInputException(final BadInputKind kind, final String message) {
        this(kind, message, null, Request.NONE);
    }

    public BadInputException(final BadInputKind kind, final String message, final Throwable cause) {
        this(kind, message, cause, Request.NONE);
    }

    private BadInputException(final BadInputKind kind, final String message, final Throwable cause,
                              final Request request) {
        super(oneLine(message), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.request = request;
    }

    /** A refused device registration, for {@code kind} and {@code message}. */
    public static BadInputException refusedRegistration(final BadInputKind kind, final String message) {
        return new BadInputException(kind, message, null, Request.REGISTRATION);
    }

    /** The same refusal, marked as the refusal of a device registration. */
    public BadInputException asRegistration() {
        return request == Request.REGISTRATION ? this
                : new BadInputException(kind, getMessage(), getCause(), Request.REGISTRATION);
    }

    /** The same refusal, marked as the refusal of a DAV (calendar or address-book) subscription. */
    public BadInputException asSubscription() {
        return request == Request.DAV_SUBSCRIPTION ? this
                : new BadInputException(kind, getMessage(), getCause(), Request.DAV_SUBSCRIPTION);
    }

    public BadInputKind kind() {
        return kind;
    }

    /** Whether what was refused was a device registration. */
    public boolean refusesRegistration() {
        return request == Request.REGISTRATION;
    }

    /** Whether what was refused was a DAV subscription. */
    public boolean refusesSubscription() {
        return request == Request.DAV_SUBSCRIPTION;
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
