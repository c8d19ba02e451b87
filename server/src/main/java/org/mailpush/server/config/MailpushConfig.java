package org.mailpush.server.config;

import org.mailpush.notifyd.cyrus.CyrusNamespace;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration of a mailpush process, validated: every value here was checked by {@link ConfigLoader}.
 *
 * @param source the file it came from
 */
public record MailpushConfig(Path source, Store store, Optional<Cyrus> cyrus, Apns apns, Http http) {

    /** {@code store:} where registrations live. */
    public record Store(String url, String user, Path passwordFile) {
    }

    /** {@code cyrus:} the notify socket Cyrus writes events to. */
    public record Cyrus(Path notifySocket, Set<PosixFilePermission> socketMode, String socketGroup,
                        String eventNotifier, CyrusNamespace namespace, int maxDatagramBytes) {
    }

    /** {@code apns:} where pushes go and what signs them. */
    public record Apns(String host, int port, Path trust, List<Credential> credentials) {
    }

    /**
     * One entry of {@code apns.credentials}.
     *
     * @param key the config path of this entry, e.g. {@code apns.credentials[0]}, for messages
     */
    public record Credential(String key, Kind kind, Path file, Path keyFile, Path passwordFile, String teamId,
                             String keyId, String topic) {

        /** The three forms a credential comes in. */
        public enum Kind { PKCS12, PEM, TOKEN_KEY }
    }

    /** {@code http:} the ops endpoint. */
    public record Http(HostPort listen) {
    }
}
