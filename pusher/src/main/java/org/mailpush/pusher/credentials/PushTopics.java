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
    public static final String MAIL_PREFIX = PushTarget.Kind.MAIL.topicPrefix();
    /** CalDAV push topics (Cyrus's {@code aps_topic_caldav}). */
    public static final String CALENDAR_PREFIX = PushTarget.Kind.CALENDAR.topicPrefix();
    /** CardDAV push topics (Cyrus's {@code aps_topic_carddav}). */
    public static final String CONTACTS_PREFIX = PushTarget.Kind.CONTACTS.topicPrefix();

    private PushTopics() {
    }

    /** The app {@code topic} is for; empty for any other topic (an MDM topic, an app's bundle id). */
    public static Optional<PushTarget.Kind> kindOf(final String topic) {
        return PushTarget.Kind.ofTopic(topic);
    }

    /** The warning for a topic no app of the three wakes for; empty for the three kinds. */
    static Optional<String> warning(final String topic) {
        return kindOf(topic).isPresent() ? Optional.empty() : Optional.of("topic " + topic + " is not a mail,"
                + " calendar or contacts topic (" + MAIL_PREFIX + "..., " + CALENDAR_PREFIX + "..., "
                + CONTACTS_PREFIX + "...): APNs accepts pushes to it, but neither Mail, Calendar nor Contacts on"
                + " the phones will wake for them");
    }
}
