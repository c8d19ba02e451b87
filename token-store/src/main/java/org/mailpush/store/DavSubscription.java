package org.mailpush.store;

import org.mailpush.common.mail.DeviceTokens;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One device's subscription to push for one calendar or address book, as Cyrus's httpd reports it in an
 * {@code ApplePushServiceDAV} event (dav-push.md §1.5). Identified by {@link #key()}: (device token, collection id).
 * Every refresh by the device replaces {@code lastSubscribed} and {@code expiresAt}; a subscription past its
 * {@code expiresAt} is not pushed and is swept.
 *
 * @param deviceToken    the APNs device token: exactly 64 hex digits, stored lower case (Cyrus does not check it)
 * @param collectionId   the collection's unique id ({@code mailboxUniqueId}); change events name it
 * @param pushKey        the key the device holds and gets back in every push, exactly as it sent it:
 *                       {@code mailboxUser/mailboxUniqueId}
 * @param topic          the APNs topic ({@code apsTopic}: {@code aps_topic_caldav} or {@code aps_topic_carddav})
 * @param kind           {@link PushTarget.Kind#CALENDAR} or {@link PushTarget.Kind#CONTACTS}
 * @param subscriber     the user who authenticated the subscription
 * @param firstSubscribed when the store first saw this key
 * @param lastSubscribed  when the device last subscribed or refreshed
 * @param expiresAt       {@code lastSubscribed} plus the event's {@code expiry}
 */
public record DavSubscription(String deviceToken, String collectionId, String pushKey, String topic, Kind kind,
                              String subscriber, Instant firstSubscribed, Instant lastSubscribed, Instant expiresAt)
        implements PushTarget {

    private static final Pattern APNS_TOKEN = Pattern.compile("[0-9a-fA-F]{64}");

    public DavSubscription {
        Objects.requireNonNull(deviceToken, "deviceToken");
        Objects.requireNonNull(collectionId, "collectionId");
        Objects.requireNonNull(pushKey, "pushKey");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(lastSubscribed, "lastSubscribed");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (!isApnsToken(deviceToken)) {
            throw new IllegalArgumentException("device token " + DeviceTokens.mask(deviceToken)
                    + " is not 64 hex digits");
        }
        if (kind == Kind.MAIL) {
            throw new IllegalArgumentException("a DAV subscription is for a calendar or an address book, not mail");
        }
        deviceToken = DeviceTokens.canonical(deviceToken);
        if (firstSubscribed == null) {
            firstSubscribed = lastSubscribed;
        }
    }

    /** Whether {@code token} is what APNs issues: 32 bytes, as 64 hex digits (either case). */
    public static boolean isApnsToken(final String token) {
        return token != null && APNS_TOKEN.matcher(token).matches();
    }

    @Override
    public DavSubscriptionKey key() {
        return new DavSubscriptionKey(deviceToken, collectionId);
    }

    @Override
    public String owner() {
        return subscriber;
    }

    /** Whether it is past its expiry at {@code now}. */
    public boolean expiredAt(final Instant now) {
        return !expiresAt.isAfter(now);
    }

    @Override
    public String toString() {
        return "DavSubscription[" + kind.label() + ", subscriber=" + subscriber + ", device="
                + DeviceTokens.mask(deviceToken) + ", key=" + pushKey + ", expiresAt=" + expiresAt + "]";
    }
}
