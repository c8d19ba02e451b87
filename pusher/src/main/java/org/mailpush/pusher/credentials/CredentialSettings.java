package org.mailpush.pusher.credentials;

import org.mailpush.common.settings.SettingException;

import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.mailpush.common.settings.Settings.orDefault;

/**
 * One entry of {@code apns.credentials}: a certificate ({@code p12}, or {@code pem} with an optional {@code key})
 * or a token key ({@code p8} with {@code team-id}, {@code key-id} and {@code topic}). Which of the forms is given,
 * and that a form is complete, is checked with the rest of the configuration (the rules span several keys). The
 * one place these defaults are written. Immutable.
 *
 * @param p12          a PKCS#12 file holding the certificate and its key
 * @param pem          a PEM certificate (and its key, unless {@code key} names another file)
 * @param key          the PEM private key, when it is not in {@code pem}
 * @param passwordFile a file holding the password of the PKCS#12 file or of an encrypted key
 * @param p8           a token signing key from Apple's developer site
 * @param teamId       the team the token key belongs to
 * @param keyId        the token key's id
 * @param topic        the topic pushes signed with the token key go to
 * @param environment  Apple's {@code production} gateway (the default) or {@code development} ({@code sandbox})
 */
public record CredentialSettings(Path p12, Path pem, Path key, Path passwordFile, Path p8, String teamId,
                                 String keyId, String topic, ApnsEnvironment environment) {

    /** APNs topics are bundle identifiers with optional suffixes; Apple mail's is com.apple.mail.XServer.<uuid>. */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

    public CredentialSettings {
        environment = orDefault(environment, ApnsEnvironment.PRODUCTION);
        if (topic != null) {
            requireTopic("topic", topic);
        }
    }

    /** @throws SettingException under {@code key} when {@code topic} is not an APNs topic */
    public static String requireTopic(final String key, final String topic) {
        if (!TOPIC.matcher(topic).matches() || topic.length() > 255) {
            throw new SettingException(key, "\"" + topic.replaceAll("\\R", " ") + "\" is not an APNs topic"
                    + " (letters, digits, dots and hyphens, like com.apple.mail.XServer.<uuid>)");
        }
        return topic;
    }
}
