package org.mailpush.server.config;

import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CredentialException;
import org.mailpush.pusher.credentials.CredentialLoader;

/** Loads the credential an {@code apns.credentials} entry describes; failures name the entry's key. */
public final class CredentialFactory {

    private CredentialFactory() {
    }

    public static ApnsCredential load(final MailpushConfig.Credential entry) throws ConfigException {
        requireOwnerOnly(entry);
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

    /** Refuses key material that others than its owner can read (password files are checked when read). */
    public static void requireOwnerOnly(final MailpushConfig.Credential entry) throws ConfigException {
        switch (entry.kind()) {
            case PKCS12 -> FilePermissions.requireOwnerOnly(entry.key() + ".p12", entry.file(), "the APNs private key");
            case PEM -> {
                if (entry.keyFile() != null) {
                    FilePermissions.requireOwnerOnly(entry.key() + ".key", entry.keyFile(), "the APNs private key");
                } else {
                    FilePermissions.requireOwnerOnly(entry.key() + ".pem", entry.file(), "the APNs private key");
                }
            }
            case TOKEN_KEY -> FilePermissions.requireOwnerOnly(entry.key() + ".p8", entry.file(),
                    "the APNs token key");
            default -> throw new IllegalStateException(String.valueOf(entry.kind()));
        }
    }

    private static char[] password(final MailpushConfig.Credential entry, final char[] none) throws ConfigException {
        return entry.passwordFile() == null ? none
                : SecretFiles.readPassword(entry.key() + ".password-file", entry.passwordFile());
    }
}
