package org.mailpush.server.admin;

import org.mailpush.pusher.credentials.CredentialInspection;
import org.mailpush.pusher.credentials.CredentialInspector;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.CredentialFactory;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.SecretFiles;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The credentials an install's configuration names, inspected as {@code certs inspect} would. */
public final class InstalledCredentials {

    private InstalledCredentials() {
    }

    /** One inspection per {@code apns.credentials} entry, in order; unreadable password files become problems. */
    public static List<CredentialInspection> inspect(final MailpushConfig config, final Clock clock) {
        final CredentialInspector inspector = new CredentialInspector(clock);
        final List<CredentialInspection> result = new ArrayList<>();
        for (final MailpushConfig.Credential entry : config.apns().credentials()) {
            try {
                CredentialFactory.requireOwnerOnly(entry);
            } catch (final ConfigException e) {
                result.add(unusable(entry, e.getMessage()));
                continue;
            }
            char[] password = null;
            if (entry.passwordFile() != null) {
                try {
                    password = SecretFiles.readPassword(entry.key() + ".password-file", entry.passwordFile());
                } catch (final ConfigException e) {
                    result.add(unusable(entry, e.getMessage()));
                    continue;
                }
            } else if (entry.kind() == MailpushConfig.Credential.Kind.PKCS12) {
                password = new char[0];
            }
            result.add(inspector.inspect(entry.file(), entry.keyFile(), password, entry.teamId(), entry.keyId(),
                    entry.topic()));
        }
        return result;
    }

    private static CredentialInspection unusable(final MailpushConfig.Credential entry, final String problem) {
        return new CredentialInspection(entry.file(), "unknown", null, null, null, java.util.Set.of(), null, null,
                null, null, null, null, List.of(), null, List.of(problem), List.of());
    }
}
