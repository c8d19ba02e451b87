package org.mailpush.store;

/**
 * What a push goes to: a device's mail registration ({@link Registration}, made by {@code XAPPLEPUSHSERVICE}) or
 * its subscription to one calendar or address book ({@link DavSubscription}, made through CalDAV/CardDAV push
 * discovery). The pusher delivers both the same way (coalesced per {@link #key()}, retried, removed when APNs says
 * the token is gone); the {@link #kind()} decides the payload and the priority.
 *
 * <p>Immutable values: safe to share between threads.</p>
 */
public sealed interface PushTarget permits Registration, DavSubscription {

    /** Which app on the device the push is for. */
    enum Kind {
        /** iOS Mail: {@code {"aps":{"account-id":...}}} on the mail topic. */
        MAIL("mail", "com.apple.mail."),
        /** iOS Calendar: the collection's push key, on the calendar topic. */
        CALENDAR("calendar", "com.apple.calendar."),
        /** iOS Contacts: the address book's push key, on the contacts topic. */
        CONTACTS("contacts", "com.apple.contact.");

        private final String label;
        private final String topicPrefix;

        Kind(final String label, final String topicPrefix) {
            this.label = label;
            this.topicPrefix = topicPrefix;
        }

        /**
         * How Apple's topics for this app begin: each app has its own certificate and topic,
         * {@code com.apple.mail.XServer.<uuid>}, {@code com.apple.calendar.XServer.<uuid>},
         * {@code com.apple.contact.XServer.<uuid>}.
         */
        public String topicPrefix() {
            return topicPrefix;
        }

        /** The app {@code topic} is for; empty for any other topic (an MDM topic, an app's bundle id, null). */
        public static java.util.Optional<Kind> ofTopic(final String topic) {
            for (final Kind kind : values()) {
                if (topic != null && topic.startsWith(kind.topicPrefix)) {
                    return java.util.Optional.of(kind);
                }
            }
            return java.util.Optional.empty();
        }

        /** Lower case, as in configuration keys, metric labels and the admin commands. */
        public String label() {
            return label;
        }

        /**
         * The kind with this {@link #label()} (as the store and archives write it).
         *
         * @throws IllegalArgumentException naming the label and the kinds there are
         */
        public static Kind fromLabel(final String label) {
            for (final Kind kind : values()) {
                if (kind.label.equals(label)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("kind \"" + label + "\" is none of mail, calendar, contacts");
        }
    }

    /** What identifies a target: one pending push per key at a time. */
    sealed interface Key permits RegistrationKey, DavSubscriptionKey {

        String deviceToken();
    }

    Key key();

    /** Lower-case hex. */
    String deviceToken();

    /** The APNs topic to push on; {@code null} for a mail registration made without one (the first credential's). */
    String topic();

    Kind kind();

    /** The user the target belongs to (the registering or subscribing user), for logs and admin commands. */
    String owner();
}
