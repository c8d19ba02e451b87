package org.mailpush.pusher.credentials;

import org.mailpush.store.PushTarget;

import java.util.Optional;

/**
 * Which app an Apple push topic wakes: Mail ({@code com.apple.mail.XServer.<uuid>}), Calendar
 * ({@code com.apple.calendar.XServer.<uuid>}) or Contacts ({@code com.apple.contact.XServer.<uuid>}). Each comes from
 * its own Apple certificate; an install that pushes all three has three credentials, one per topic. Stateless.
 */
public final class PushTopics {

    /** Mail push topics. */
    public static final String MAIL_PREFIX = "com.apple.mail.";
    /** CalDAV push topics (Cyrus's {@code aps_topic_caldav}). */
    public static final String CALENDAR_PREFIX = "com.apple.calendar.";
    /** CardDAV push topics (Cyrus's {@code aps_topic_carddav}). */
    public static final String CONTACTS_PREFIX = "com.apple.contact.";

    private PushTopics() {
    }

    /** The app {@code topic} is for; empty for any other topic (an MDM topic, an app's bundle id). */
    public static Optional<PushTarget.Kind> kindOf(final String topic) {
        if (topic == null) {
            return Optional.empty();
        }
        if (topic.startsWith(MAIL_PREFIX)) {
            return Optional.of(PushTarget.Kind.MAIL);
        }
        if (topic.startsWith(CALENDAR_PREFIX)) {
            return Optional.of(PushTarget.Kind.CALENDAR);
        }
        if (topic.startsWith(CONTACTS_PREFIX)) {
            return Optional.of(PushTarget.Kind.CONTACTS);
        }
        return Optional.empty();
    }

    /** The warning for a topic no app of the three wakes for; empty for the three kinds. */
    static Optional<String> warning(final String topic) {
        return kindOf(topic).isPresent() ? Optional.empty() : Optional.of("topic " + topic + " is not a mail,"
                + " calendar or contacts topic (" + MAIL_PREFIX + "..., " + CALENDAR_PREFIX + "..., "
                + CONTACTS_PREFIX + "...): APNs accepts pushes to it, but neither Mail, Calendar nor Contacts on"
                + " the phones will wake for them");
    }
}
