package org.mailpush.store;

import org.mailpush.common.mail.DeviceTokens;
import java.util.Objects;

/** What identifies a registration: the APS account id together with the device token. */
public record RegistrationKey(String accountId, String deviceToken) implements PushTarget.Key {

    public RegistrationKey {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(deviceToken, "deviceToken");
    }

    @Override
    public String toString() {
        return "RegistrationKey[device=" + DeviceTokens.mask(deviceToken) + "]";
    }
}
