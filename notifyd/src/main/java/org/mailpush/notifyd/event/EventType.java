package org.mailpush.notifyd.event;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The mailstore event names mailpush knows (RFC 5423 plus the Cyrus and Dovecot extensions), each with what it
 * means for push.
 */
public enum EventType {
    MESSAGE_NEW("MessageNew", Kind.NEW_MAIL),
    MESSAGE_APPEND("MessageAppend", Kind.NEW_MAIL),
    MESSAGE_READ("MessageRead", Kind.MAILBOX_CHANGE),
    MESSAGE_TRASH("MessageTrash", Kind.MAILBOX_CHANGE),
    MESSAGE_EXPUNGE("MessageExpunge", Kind.MAILBOX_CHANGE),
    FLAGS_SET("FlagsSet", Kind.MAILBOX_CHANGE),
    FLAGS_CLEAR("FlagsClear", Kind.MAILBOX_CHANGE),
    APPLE_PUSH_SERVICE("ApplePushService", Kind.REGISTRATION),
    APPLE_PUSH_SERVICE_DAV("ApplePushServiceDAV", Kind.DAV_SUBSCRIPTION),
    MESSAGE_EXPIRE("MessageExpire", Kind.IGNORED),
    MESSAGE_COPY("MessageCopy", Kind.IGNORED),
    MESSAGE_MOVE("MessageMove", Kind.IGNORED),
    MESSAGES_UNEXPUNGED("MessagesUnexpunged", Kind.IGNORED),
    MAILBOX_CREATE("MailboxCreate", Kind.IGNORED),
    MAILBOX_DELETE("MailboxDelete", Kind.IGNORED),
    MAILBOX_RENAME("MailboxRename", Kind.IGNORED),
    MAILBOX_SUBSCRIBE("MailboxSubscribe", Kind.IGNORED),
    MAILBOX_UNSUBSCRIBE("MailboxUnSubscribe", Kind.IGNORED),
    MAILBOX_MODSEQ("MailboxModseq", Kind.IGNORED),
    QUOTA_EXCEED("QuotaExceed", Kind.IGNORED),
    QUOTA_WITHIN("QuotaWithin", Kind.IGNORED),
    QUOTA_CHANGE("QuotaChange", Kind.IGNORED),
    ACL_CHANGE("AclChange", Kind.IGNORED),
    LOGIN("Login", Kind.IGNORED),
    LOGOUT("Logout", Kind.IGNORED),
    CALENDAR_ALARM("CalendarAlarm", Kind.IGNORED);

    /** What an event type means for push. */
    public enum Kind {
        /** A message arrived: push now. */
        NEW_MAIL,
        /** Read state, flags or deletions changed: other devices should catch up, no hurry. */
        MAILBOX_CHANGE,
        /** A device asked for mail push. */
        REGISTRATION,
        /** A device subscribed to push for a calendar or address book. */
        DAV_SUBSCRIPTION,
        /** Known, but nothing to push. */
        IGNORED
    }

    private static final Map<String, EventType> BY_WIRE_NAME = new HashMap<>();

    static {
        for (final EventType type : values()) {
            BY_WIRE_NAME.put(type.wireName, type);
        }
        // Dovecot spells it with a lower-case s.
        BY_WIRE_NAME.put("MailboxUnsubscribe", MAILBOX_UNSUBSCRIBE);
    }

    private final String wireName;
    private final Kind kind;

    EventType(final String wireName, final Kind kind) {
        this.wireName = wireName;
        this.kind = kind;
    }

    /** The name as it appears in event JSON, e.g. {@code MessageNew}. */
    public String wireName() {
        return wireName;
    }

    public Kind kind() {
        return kind;
    }

    /** The type with this wire name; empty for names mailpush does not know. */
    public static Optional<EventType> fromWireName(final String name) {
        return Optional.ofNullable(BY_WIRE_NAME.get(name));
    }
}
