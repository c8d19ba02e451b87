package org.mailpush.server.config;

import org.mailpush.common.settings.HostPort;
import org.mailpush.imap.proxy.ImapProxyConfig;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.notifyd.http.HttpIntakeSettings;
import org.mailpush.notifyd.route.RoutingSettings;
import org.mailpush.pusher.ApnsSettings;
import org.mailpush.pusher.DeliverySettings;
import org.mailpush.pusher.PrioritySettings;
import org.mailpush.pusher.credentials.ApnsEnvironment;
import org.mailpush.pusher.credentials.CredentialSettings;
import org.mailpush.server.ops.OpsHttpSettings;
import org.mailpush.store.StoreSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration of a mailpush process, validated by {@link ConfigLoader}. Each section is the settings
 * record of the module that uses it, with its defaults filled in; this record adds only what spans sections or
 * needs the file: where it came from, the secrets read from their files, and each credential's key path for
 * messages. Immutable.
 *
 * @param source the file it came from
 */
public record MailpushConfig(Path source, StoreSettings store, Optional<CyrusSettings> cyrus,
                             Optional<ImapProxyConfig> imapProxy, Optional<HttpIntake> intake,
                             Optional<HttpIntake> xapsd, Apns apns, Http http, RoutingSettings routing) {

    /**
     * {@code apns:} the pusher's settings and its credentials, each with its key path.
     *
     * @param settings    the section as written, defaults filled in
     * @param credentials {@code settings.credentials()}, each checked to be complete and named by its key path
     */
    public record Apns(ApnsSettings settings, List<Credential> credentials) {

        public String host() {
            return settings.host();
        }

        public int port() {
            return settings.port();
        }

        public Path trust() {
            return settings.trust();
        }

        public String topic() {
            return settings.topic();
        }

        public DeliverySettings delivery() {
            return settings.delivery();
        }

        public PrioritySettings priority() {
            return settings.priority();
        }
    }

    /**
     * One entry of {@code apns.credentials}, its form decided (exactly one of p12, pem and p8 is given).
     *
     * @param key     the config path of this entry, e.g. {@code apns.credentials[0]}, for messages
     * @param file    the p12, pem or p8 file
     * @param keyFile the PEM key when it is a file of its own, {@code null} otherwise
     */
    public record Credential(String key, Kind kind, Path file, Path keyFile, Path passwordFile, String teamId,
                             String keyId, String topic, ApnsEnvironment environment) {

        /** The three forms a credential comes in. */
        public enum Kind { PKCS12, PEM, TOKEN_KEY }

        static Credential of(final String key, final CredentialSettings entry) {
            if (entry.p12() != null) {
                return new Credential(key, Kind.PKCS12, entry.p12(), null, entry.passwordFile(), null, null, null,
                        entry.environment());
            }
            if (entry.pem() != null) {
                return new Credential(key, Kind.PEM, entry.pem(), entry.key(), entry.passwordFile(), null, null, null,
                        entry.environment());
            }
            return new Credential(key, Kind.TOKEN_KEY, entry.p8(), null, null, entry.teamId(), entry.keyId(),
                    entry.topic(), entry.environment());
        }
    }

    /**
     * {@code intake:} (Dovecot's Lua push driver posts events) or {@code xapsd:} (the xaps plugin's API).
     *
     * @param key    {@code intake} or {@code xapsd}, for messages
     * @param secret the shared secret senders must present, read from {@code secret-file}; {@code null} for none
     *               (allowed on loopback only)
     */
    public record HttpIntake(String key, HttpIntakeSettings settings, String secret) {

        public HostPort listen() {
            return settings.listen();
        }

        public Path secretFile() {
            return settings.secretFile();
        }

        public int maxBodyBytes() {
            return settings.maxBodyBytes();
        }

        public int maxConnections() {
            return settings.maxConnections();
        }

        public Duration idleTimeout() {
            return settings.idleTimeout();
        }

        @Override
        public String toString() {
            // Never print the secret.
            return key + "[listen=" + listen() + ", secret=" + (secret == null ? "none" : "set") + "]";
        }
    }

    /**
     * {@code http:} the ops endpoint.
     *
     * @param password the password of {@code settings.user()}, read from {@code password-file}; {@code null} for none
     */
    public record Http(OpsHttpSettings settings, String password) {

        public HostPort listen() {
            return settings.listen();
        }

        public String user() {
            return settings.user();
        }

        @Override
        public String toString() {
            return "Http[listen=" + listen() + ", user=" + user() + "]";
        }
    }
}
