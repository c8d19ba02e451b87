package org.mailpush.store;

import org.mailpush.common.mail.DeviceTokens;

import java.util.Objects;

/**
 * What identifies a DAV subscription: the device token together with the collection's unique id (Cyrus's mailbox
 * uniqueid). A device subscribes once per calendar and address book; refreshing replaces the one row.
 */
public record DavSubscriptionKey(String deviceToken, String collectionId) implements PushTarget.Key {

    public DavSubscriptionKey {
        Objects.requireNonNull(deviceToken, "deviceToken");
        Objects.requireNonNull(collectionId, "collectionId");
    }

    @Override
    public String toString() {
        return "DavSubscriptionKey[device=" + DeviceTokens.mask(deviceToken) + ", collection=" + collectionId + "]";
    }
}
