package org.mailpush.server.config;

import org.mailpush.common.settings.HostPort;
import org.mailpush.imap.proxy.ImapProxyConfig;
import org.mailpush.notifyd.http.HttpIntakeSettings;
import org.mailpush.pusher.ApnsSettings;
import org.mailpush.pusher.credentials.CredentialSettings;
import org.mailpush.server.ops.OpsHttpSettings;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules that span several keys, checked once every section is bound, and the secrets read from their files.
 * Single keys (ranges, formats, defaults) are the settings records' own business. Stateless.
 */
final class ConfigValidator {

    private ConfigValidator() {
    }

    static MailpushConfig validate(final java.nio.file.Path source, final ConfigFile file) throws ConfigException {
        if (file.imapProxy() != null) {
            imapProxy(file.imapProxy());
        }
        return new MailpushConfig(source, file.store(), Optional.ofNullable(file.cyrus()),
                Optional.ofNullable(file.imapProxy()), door("intake", file.intake()), door("xapsd", file.xapsd()),
                apns(file.apns()), http(file.http()), file.routing());
    }

    private static MailpushConfig.Apns apns(final ApnsSettings apns) throws ConfigException {
        // Without credentials only the intake side of a split install can run, and it needs the topic instead.
        if (apns.credentials().isEmpty() && apns.topic() == null) {
            throw new ConfigException("apns.credentials: is required: at least one of p12, pem or p8"
                    + " (only the intake of a split install, --role intake, runs without, given apns.topic)");
        }
        final List<MailpushConfig.Credential> credentials = new ArrayList<>();
        for (int i = 0; i < apns.credentials().size(); i++) {
            final String key = "apns.credentials[" + i + "]";
            credentials.add(MailpushConfig.Credential.of(key, credential(key, apns.credentials().get(i))));
        }
        return new MailpushConfig.Apns(apns, List.copyOf(credentials));
    }

    /** Exactly one form, complete, and no key of another form (it would be ignored without a word). */
    private static CredentialSettings credential(final String key, final CredentialSettings entry)
            throws ConfigException {
        final int forms = (entry.p12() != null ? 1 : 0) + (entry.pem() != null ? 1 : 0) + (entry.p8() != null ? 1 : 0);
        if (forms != 1) {
            throw new ConfigException(key + ": must have exactly one of p12, pem or p8");
        }
        if (entry.p8() != null) {
            require(key + ".team-id", entry.teamId());
            require(key + ".key-id", entry.keyId());
            require(key + ".topic", entry.topic());
            refuse(key + ".password-file", entry.passwordFile(), "a p8 token key has no password");
            refuse(key + ".key", entry.key(), "goes with pem only");
        } else {
            final String form = entry.p12() != null ? "p12" : "pem";
            refuse(key + ".team-id", entry.teamId(), "goes with p8 only (a " + form + " certificate names its team)");
            refuse(key + ".key-id", entry.keyId(), "goes with p8 only");
            refuse(key + ".topic", entry.topic(), "goes with p8 only (a " + form
                    + " certificate's topic is in the certificate)");
            if (entry.p12() != null) {
                refuse(key + ".key", entry.key(), "goes with pem only (a p12 file holds its key)");
            }
        }
        return entry;
    }

    private static void imapProxy(final ImapProxyConfig proxy) throws ConfigException {
        if (proxy.listenTls() == null && proxy.listen() == null) {
            throw new ConfigException("imap-proxy: needs listen-tls (993-style) and/or listen (143-style)");
        }
        if (proxy.tls() == null && proxy.listenTls() != null) {
            throw new ConfigException("imap-proxy.tls: is required to listen with TLS (listen-tls)");
        }
        if (proxy.tls() == null && !proxy.allowPlainLogin()) {
            throw new ConfigException("imap-proxy.tls: is required: without a certificate clients could only log"
                    + " in over plain text (set allow-plain-login: true to accept that)");
        }
    }

    /**
     * {@code intake:} or {@code xapsd:}. Without a secret the door must be on a loopback address: anyone who can
     * reach it could otherwise register devices or trigger pushes.
     */
    private static Optional<MailpushConfig.HttpIntake> door(final String key, final HttpIntakeSettings settings)
            throws ConfigException {
        if (settings == null) {
            return Optional.empty();
        }
        String secret = null;
        if (settings.secretFile() != null) {
            secret = new String(SecretFiles.readPassword(key + ".secret-file", settings.secretFile()));
            if (secret.isBlank()) {
                throw new ConfigException(key + ".secret-file: " + settings.secretFile() + " is empty");
            }
        } else if (!isLoopback(settings.listen())) {
            throw new ConfigException(key + ".secret-file: is required when " + key + ".listen ("
                    + settings.listen() + ") is not a loopback address; without it anyone who reaches the port could"
                    + " register devices or trigger pushes");
        }
        return Optional.of(new MailpushConfig.HttpIntake(key, settings, secret));
    }

    private static MailpushConfig.Http http(final OpsHttpSettings http) throws ConfigException {
        if ((http.user() == null) != (http.passwordFile() == null)) {
            throw new ConfigException("http: user and password-file go together (HTTP Basic authentication)");
        }
        if (http.user() == null && !http.allowAnonymous() && !isLoopback(http.listen())) {
            throw new ConfigException("http.password-file: is required when http.listen (" + http.listen() + ") is"
                    + " not a loopback address: the status page and metrics would be open to anyone who reaches the"
                    + " port (set allow-anonymous: true to accept that)");
        }
        final String password = http.passwordFile() == null ? null
                : new String(SecretFiles.readPassword("http.password-file", http.passwordFile()));
        return new MailpushConfig.Http(http, password);
    }

    private static void require(final String key, final Object value) throws ConfigException {
        if (value == null) {
            throw new ConfigException(key + ": is required");
        }
    }

    private static void refuse(final String key, final Object value, final String why) throws ConfigException {
        if (value != null) {
            throw new ConfigException(key + ": " + why);
        }
    }

    private static boolean isLoopback(final HostPort address) {
        final String host = address.host();
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses count: a name could resolve elsewhere tomorrow.
            if (!Character.isDigit(host.charAt(0)) && !host.contains(":")) {
                return false;
            }
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (final UnknownHostException e) {
            return false;
        }
    }
}
