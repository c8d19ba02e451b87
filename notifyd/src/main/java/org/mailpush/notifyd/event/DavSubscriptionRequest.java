package org.mailpush.notifyd.event;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.PushTarget;

import java.time.Duration;
import java.util.Objects;

/**
 * A device subscribed (or refreshed its subscription) to push for a calendar or address book through CalDAV/CardDAV
 * push discovery: Cyrus's {@code ApplePushServiceDAV} event (dav-push.md §1.5), after validation.
 *
 * @param subscriber   {@code user}: who authenticated the subscription
 * @param kind         {@code vnd.cmu.mbtype}: {@code c} calendar, {@code a} contacts
 * @param topic        {@code apsTopic}
 * @param deviceToken  {@code apsDeviceToken}, 64 hex digits, lower case
 * @param mailboxUser  {@code mailboxUser}: the part of the device's push key before {@code /}
 * @param collectionId {@code mailboxUniqueId}: the part after it, the collection's unique id
 * @param expiry       {@code expiry}: how long the subscription lasts unless refreshed
 */
public record DavSubscriptionRequest(String source, String subscriber, PushTarget.Kind kind, String topic,
                                     String deviceToken, String mailboxUser, String collectionId, Duration expiry)
        implements IntakeEvent {

    public DavSubscriptionRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(mailboxUser, "mailboxUser");
        Objects.requireNonNull(collectionId, "collectionId");
        Objects.requireNonNull(expiry, "expiry");
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
