package org.mailpush.notifyd.event;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;

import java.time.Duration;
import java.util.Objects;

/**
 * A device subscribed (or refreshed its subscription) to push for a calendar or address book through CalDAV/CardDAV
 * push discovery: Cyrus's {@code ApplePushServiceDAV} event (dav-push.md §1.5), after validation. Immutable; the
 * constructor refuses (IllegalArgumentException) what validation lets no door pass.
 *
 * @param subscriber   {@code user}: who authenticated the subscription
 * @param kind         {@code vnd.cmu.mbtype}: {@code c} calendar, {@code a} contacts
 * @param topic        {@code apsTopic}
 * @param deviceToken  {@code apsDeviceToken}, 64 hex digits, lower case
 * @param mailboxUser  {@code mailboxUser}: the part of the device's push key before {@code /}
 * @param collectionId {@code mailboxUniqueId}: the part after it, the collection's unique id
 * @param expiry       {@code expiry}: how long the subscription lasts unless refreshed, at most {@link #MAX_EXPIRY}
 */
public record DavSubscriptionRequest(String source, String subscriber, PushTarget.Kind kind, String topic,
                                     String deviceToken, String mailboxUser, String collectionId, Duration expiry)
        implements IntakeEvent {

    /**
     * The longest subscription mailpush keeps without a refresh: Cyrus's {@code aps_expiry} (3.10+; 1 day before) may
     * say more, but devices refresh daily (Cyrus advertises {@code refresh-interval} 86400), a subscription nobody
     * refreshes for a week is a device that is gone, and one whose user lost read access to a shared calendar goes
     * on being pushed (with its key, not the data) only until it expires. Longer expiries are cut to this.
     */
    public static final Duration MAX_EXPIRY = Duration.ofDays(7);
    /** The longest text field taken: far above what Cyrus writes (ids of 24 to 36 characters, topics of about 60). */
    public static final int MAX_FIELD_CHARS = 255;

    public DavSubscriptionRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(mailboxUser, "mailboxUser");
        Objects.requireNonNull(collectionId, "collectionId");
        Objects.requireNonNull(expiry, "expiry");
        if (!DavSubscription.isApnsToken(deviceToken)) {
            throw new IllegalArgumentException("device token " + DeviceTokens.mask(deviceToken)
                    + " is not 64 hex digits");
        }
        if (kind == PushTarget.Kind.MAIL) {
            throw new IllegalArgumentException("a DAV subscription is for a calendar or an address book, not mail");
        }
        if (mailboxUser.indexOf('/') >= 0 || collectionId.indexOf('/') >= 0) {
            throw new IllegalArgumentException("push key " + mailboxUser + "/" + collectionId
                    + " must have exactly one /");
        }
        if (expiry.isNegative() || expiry.isZero() || expiry.compareTo(MAX_EXPIRY) > 0) {
            throw new IllegalArgumentException("expiry " + expiry + " is not in (0, " + MAX_EXPIRY + "]");
        }
        deviceToken = DeviceTokens.canonical(deviceToken);
    }

    /** The key the device holds and gets back in every push: {@code mailboxUser/mailboxUniqueId}. */
    public String pushKey() {
        return mailboxUser + "/" + collectionId;
    }

    @Override
    public EventType type() {
        return EventType.APPLE_PUSH_SERVICE_DAV;
    }

    @Override
    public String toString() {
        return "DavSubscriptionRequest[" + kind.label() + ", subscriber=" + subscriber + ", device="
                + DeviceTokens.mask(deviceToken) + ", key=" + pushKey() + ", expiry=" + expiry + "]";
    }
}
