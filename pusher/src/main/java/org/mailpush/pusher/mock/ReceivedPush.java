package org.mailpush.pusher.mock;

import org.mailpush.common.mail.DeviceTokens;

import java.time.Instant;

/**
 * A push request as the mock APNs server saw it on the wire.
 *
 * @param priority   the {@code apns-priority} header, {@code null} when absent
 * @param expiration the {@code apns-expiration} header as an instant, {@code null} when absent
 * @param reason     the rejection reason the server answered with, {@code null} when accepted
 */
public record ReceivedPush(String token, String topic, String pushType, String priority, Instant expiration,
                           String payload, String reason, Instant receivedAt) {

    public boolean accepted() {
        return reason == null;
    }

    @Override
    public String toString() {
        return "ReceivedPush[token=" + DeviceTokens.mask(token) + ", topic=" + topic + ", pushType=" + pushType
                + ", payload=" + payload + (reason != null ? ", rejected " + reason : "") + "]";
    }
}
