package org.mailpush.server.config;

import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CredentialException;
import org.mailpush.pusher.credentials.CredentialLoader;

/** Loads the credential an {@code apns.credentials} entry describes; failures name the entry's key. */
public final class CredentialFactory {

    private CredentialFactory() {
    }

    public static ApnsCredential load(final MailpushConfig.Credential entry) throws ConfigException {
        try {
            return switch (entry.kind()) {
                case PKCS12 -> CredentialLoader.loadPkcs12(entry.file(), password(entry, new char[0]));
                case PEM -> CredentialLoader.loadPem(entry.file(), entry.keyFile(), password(entry, null));
                case TOKEN_KEY -> CredentialLoader.loadTokenKey(entry.file(), entry.teamId(), entry.keyId(),
                        entry.topic());
            };
        } catch (final CredentialException e) {
            throw new ConfigException(entry.key() + ": " + e.getMessage(), e);
        }
    }

    private static char[] password(final MailpushConfig.Credential entry, final char[] none) throws ConfigException {
        return entry.passwordFile() == null ? none
                : SecretFiles.readPassword(entry.key() + ".password-file", entry.passwordFile());
    }
}
