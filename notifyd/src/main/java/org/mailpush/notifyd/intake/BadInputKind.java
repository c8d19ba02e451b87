package org.mailpush.notifyd.intake;

/** Why an input was refused. Each kind is counted separately and logged on its first occurrence. */
public enum BadInputKind {
    /** Larger than the intake accepts. */
    TOO_LARGE,
    /** Ends before every field of the format was seen. */
    TRUNCATED,
    /** Has none of the NUL separators of the Cyrus notify format. */
    NO_NUL,
    /** Bytes that are not UTF-8. */
    NOT_UTF8,
    /** A notify method other than the configured {@code event_notifier}. */
    WRONG_METHOD,
    /** A notify class other than {@code EVENT}. */
    WRONG_CLASS,
    /** An option count that is not a number or does not match the options present. */
    BAD_OPTION_COUNT,
    /** The event body is not valid JSON, or not a JSON object. */
    INVALID_JSON,
    /** An event name mailpush does not know. */
    UNKNOWN_EVENT,
    /** A field the event type requires is absent or empty. */
    MISSING_FIELD,
    /** The mailbox URI cannot be read. */
    BAD_URI,
    /** The device token is not hex of a plausible length. */
    BAD_DEVICE_TOKEN,
    /** A field is present but has the wrong type or a value the format does not allow. */
    BAD_VALUE,
    /** An HTTP request without the shared secret, or with a wrong one. */
    UNAUTHENTICATED,
    /** An HTTP request mailpush cannot serve: malformed, an unknown path or the wrong method. */
    BAD_REQUEST,
    /** A new device of a user who has the most registered devices the store allows. */
    TOO_MANY_DEVICES
}
