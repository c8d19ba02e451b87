package org.mailpush.server.admin;

import org.mailpush.pusher.credentials.ApnsEnvironment;
import org.mailpush.pusher.credentials.CredentialInspection;
import org.mailpush.pusher.credentials.CredentialInspector;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Installs a checked credential into a mailpush install.
 *
 * <ul>
 *   <li>A <b>replacement</b> (a configured credential has the same topic, e.g. the yearly renewal): the files that
 *       entry names are rewritten in place, in the entry's form (a PEM renewal of a PKCS#12 entry is written as
 *       PKCS#12 with the entry's password), atomically and with their owner and mode kept. The configuration does
 *       not change, and a running {@code mailpush run} reloads the files within {@code apns.reload-interval}.</li>
 *   <li>A <b>new topic</b>: the credential is written to {@code credentials/} beside the configuration (a
 *       certificate as PKCS#12 with a fresh random password in its own file, both owner-only), and an entry is
 *       added to {@code apns.credentials}. A running service uses it after its next start.</li>
 * </ul>
 *
 * <p>Refuses an invalid credential. Never writes a password or key anywhere but the credential files.</p>
 */
public final class CredentialInstaller {

    /** What was done, for the admin. */
    public record Outcome(boolean replaced, String entryKey, List<Path> written, boolean configChanged) {
    }

    /** The credential cannot be installed; the message says why and what to do. */
    public static final class InstallException extends Exception {
        private static final long serialVersionUID = 1L;

        public InstallException(final String message) {
            super(message);
        }

        public InstallException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    private final Path configFile;
    private final MailpushConfig config;
    private final CredentialInspector inspector;

    public CredentialInstaller(final Path configFile, final MailpushConfig config, final Clock clock) {
        this.configFile = configFile.toAbsolutePath();
        this.config = Objects.requireNonNull(config, "config");
        this.inspector = new CredentialInspector(clock);
    }

    public Outcome install(final CredentialInspection credential) throws InstallException {
        if (!credential.valid()) {
            throw new InstallException(credential.file() + " cannot be installed: "
                    + String.join("; ", credential.problems()));
        }
        final List<MailpushConfig.Credential> entries = config.apns().credentials();
        for (final MailpushConfig.Credential entry : entries) {
            if (credential.topic().equals(topicOf(entry).orElse(null))) {
                return replace(entry, credential);
            }
        }
        return add(credential, entries.size());
    }

    /** The topic a configured entry pushes to, read from its files (even when they are expired or broken). */
    Optional<String> topicOf(final MailpushConfig.Credential entry) {
        if (entry.kind() == MailpushConfig.Credential.Kind.TOKEN_KEY) {
            return Optional.of(entry.topic());
        }
        final char[] password;
        try {
            password = password(entry);
        } catch (final ConfigException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(inspector.inspect(entry.file(), entry.keyFile(), password, null, null, null)
                .topic());
    }

    private Outcome replace(final MailpushConfig.Credential entry, final CredentialInspection credential)
            throws InstallException {
        final List<Path> written = new ArrayList<>();
        try {
            switch (entry.kind()) {
                case PKCS12 -> {
                    requireCertificate(entry, credential);
                    SecureFiles.write(entry.file(), CredentialEncoder.pkcs12(credential.chain(),
                            credential.privateKey(), password(entry)));
                    written.add(entry.file());
                }
                case PEM -> {
                    requireCertificate(entry, credential);
                    final byte[] key = CredentialEncoder.pemKey(credential.privateKey(),
                            entry.passwordFile() == null ? null : password(entry));
                    final byte[] certificates = CredentialEncoder.pemCertificates(credential.chain());
                    if (entry.keyFile() != null) {
                        // Key first: until the certificate follows, the pair does not match and a reload in
                        // between keeps the old credential; the next one takes the new pair.
                        SecureFiles.write(entry.keyFile(), key);
                        written.add(entry.keyFile());
                        SecureFiles.write(entry.file(), certificates);
                    } else {
                        final byte[] both = new byte[certificates.length + key.length];
                        System.arraycopy(certificates, 0, both, 0, certificates.length);
                        System.arraycopy(key, 0, both, certificates.length, key.length);
                        SecureFiles.write(entry.file(), both);
                    }
                    written.add(entry.file());
                }
                case TOKEN_KEY -> {
                    if (!credential.isTokenKey()) {
                        throw new InstallException(entry.key() + " is a token key for " + credential.topic()
                                + "; install a token key (.p8) there, or remove that entry to use a certificate");
                    }
                    if (!entry.keyId().equals(credential.keyId()) || !entry.teamId().equals(credential.teamId())) {
                        throw new InstallException(entry.key() + " has team id " + entry.teamId() + " and key id "
                                + entry.keyId() + "; the new key has " + credential.teamId() + " and "
                                + credential.keyId() + ": edit team-id and key-id there to the new values");
                    }
                    SecureFiles.write(entry.file(), Files.readAllBytes(credential.file()));
                    written.add(entry.file());
                }
                default -> throw new IllegalStateException(String.valueOf(entry.kind()));
            }
        } catch (final IOException e) {
            throw new InstallException("cannot write " + entry.key() + "'s files: " + e.getMessage(), e);
        } catch (final ConfigException e) {
            throw new InstallException(e.getMessage(), e);
        }
        return new Outcome(true, entry.key(), List.copyOf(written), false);
    }

    private static void requireCertificate(final MailpushConfig.Credential entry,
                                           final CredentialInspection credential) throws InstallException {
        if (credential.isTokenKey()) {
            throw new InstallException(entry.key() + " is a certificate for " + credential.topic()
                    + "; a token key cannot replace it: remove that entry first");
        }
    }

    private Outcome add(final CredentialInspection credential, final int index) throws InstallException {
        final Path folder = configFile.getParent().resolve("credentials");
        final List<Path> written = new ArrayList<>();
        final List<String> item = new ArrayList<>();
        try {
            SecureFiles.createPrivateFolder(folder);
            if (credential.isTokenKey()) {
                final Path p8 = folder.resolve("AuthKey_" + credential.keyId() + ".p8");
                SecureFiles.write(p8, Files.readAllBytes(credential.file()));
                written.add(p8);
                item.add("- p8: " + p8);
                item.add("team-id: " + credential.teamId());
                item.add("key-id: " + credential.keyId());
                item.add("topic: " + credential.topic());
            } else {
                final char[] password = CredentialEncoder.randomPassword();
                final Path p12 = folder.resolve(credential.topic() + ".p12");
                final Path pass = folder.resolve(credential.topic() + ".p12.pass");
                SecureFiles.write(pass, (new String(password) + "\n").getBytes(StandardCharsets.UTF_8));
                SecureFiles.write(p12, CredentialEncoder.pkcs12(credential.chain(), credential.privateKey(),
                        password));
                written.add(p12);
                written.add(pass);
                item.add("- p12: " + p12);
                item.add("password-file: " + pass);
                if (!credential.environments().contains(ApnsEnvironment.PRODUCTION)
                        && credential.environments().contains(ApnsEnvironment.DEVELOPMENT)) {
                    item.add("environment: development");
                }
            }
        } catch (final IOException e) {
            throw new InstallException("cannot write into " + folder + ": " + e.getMessage(), e);
        }
        final String key = "apns.credentials[" + index + "]";
        try {
            final String text = Files.readString(configFile);
            final String edited = ConfigEditor.appendCredential(text, item).orElseThrow(() -> new InstallException(
                    "wrote " + written + " but could not find a block-style apns.credentials list in " + configFile
                            + "; add this entry to it:\n  " + String.join("\n    ", item)));
            final MailpushConfig check = ConfigLoader.parse(edited, configFile);
            if (check.apns().credentials().size() != index + 1) {
                throw new InstallException("wrote " + written + " but editing " + configFile + " went wrong; add"
                        + " this entry to apns.credentials:\n  " + String.join("\n    ", item));
            }
            SecureFiles.write(configFile, edited.getBytes(StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new InstallException("cannot update " + configFile + ": " + e.getMessage(), e);
        } catch (final ConfigException e) {
            throw new InstallException("the edited configuration would not load (" + e.getMessage() + "); "
                    + configFile + " was left as it was", e);
        }
        return new Outcome(false, key, List.copyOf(written), true);
    }

    private static char[] password(final MailpushConfig.Credential entry) throws ConfigException {
        return entry.passwordFile() == null ? new char[0]
                : SecretFiles.readPassword(entry.key() + ".password-file", entry.passwordFile());
    }
}
