package org.mailpush.pusher;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.mailpush.common.settings.SettingException;
import org.mailpush.pusher.credentials.CredentialSettings;

import java.nio.file.Path;
import java.util.List;

import static org.mailpush.common.settings.Settings.inRange;
import static org.mailpush.common.settings.Settings.orDefault;

/**
 * {@code apns:} where pushes go, what signs them, and how delivery behaves ({@link DeliverySettings}, whose keys
 * sit beside these in the same section). The one place these defaults and ranges are written. Immutable.
 *
 * @param host        a push server for every credential (a test server), {@code null} for each credential's own
 *                    environment's Apple gateway
 * @param port        its port
 * @param trust       a PEM CA chain to trust instead of the system's roots (for a test server), {@code null} for
 *                    none
 * @param credentials the certificates and token keys, one per topic
 * @param topic       the topic registrations are answered with, for a process that does not read the credentials
 *                    ({@code --role intake}); {@code null} unless set
 * @param priority    the {@code apns-priority} of each kind of push ({@link PrioritySettings}: why 10 for mail, 5 for
 *                    calendar and contacts)
 * @param delivery    the delivery tunables
 */
public record ApnsSettings(String host, Integer port, Path trust, List<CredentialSettings> credentials, String topic,
                           PrioritySettings priority, @JsonUnwrapped DeliverySettings delivery) {

    public ApnsSettings {
        port = inRange("port", port, 443, 1, 65535);
        if (credentials != null && credentials.stream().anyMatch(java.util.Objects::isNull)) {
            throw new SettingException("credentials", "every entry must be a mapping of keys (p12, pem or p8 ...)");
        }
        credentials = credentials == null ? List.of() : List.copyOf(credentials);
        if (topic != null) {
            CredentialSettings.requireTopic("topic", topic);
        }
        priority = orDefault(priority, PrioritySettings.DEFAULTS);
        delivery = orDefault(delivery, DeliverySettings.DEFAULTS);
    }
}
