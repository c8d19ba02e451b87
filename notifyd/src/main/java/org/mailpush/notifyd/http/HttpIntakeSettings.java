package org.mailpush.notifyd.http;

import org.mailpush.common.settings.HostPort;

import java.nio.file.Path;
import java.time.Duration;

import static org.mailpush.common.settings.Settings.inRange;

/**
 * {@code intake:} (Dovecot's Lua push driver posts events) or {@code xapsd:} (the xaps plugin's API): an HTTP door
 * for a mail server. The one place these defaults and ranges are written; a value left out ({@code null}) takes its
 * default, except {@link #listen}, whose default depends on the door ({@link #DOVECOT_LISTEN},
 * {@link #XAPSD_LISTEN}: see {@link #listenOr}). Immutable.
 *
 * @param listen         the address to listen on
 * @param secretFile     a file holding the secret senders must present, {@code null} for none (allowed on loopback
 *                       only)
 * @param maxBodyBytes   the largest request body read; larger ones are refused and counted
 * @param maxConnections connections at once; more are refused and counted
 * @param idleTimeout    a connection idle this long is closed
 */
public record HttpIntakeSettings(HostPort listen, Path secretFile, Integer maxBodyBytes, Integer maxConnections,
                                 Duration idleTimeout) {

    /** Where {@code intake:} listens by default: loopback, as Dovecot's Lua script posts to it. */
    public static final HostPort DOVECOT_LISTEN = new HostPort("127.0.0.1", 9181);
    /** Where {@code xapsd:} listens by default: dovecot-xaps-daemon's own address. */
    public static final HostPort XAPSD_LISTEN = new HostPort("::1", 11619);

    /** Every value at its default, listening on {@code listen}. */
    public static HttpIntakeSettings defaults(final HostPort listen) {
        return new HttpIntakeSettings(listen, null, null, null, null);
    }

    public HttpIntakeSettings {
        maxBodyBytes = inRange("max-body-bytes", maxBodyBytes, 1024 * 1024, 1024, 64 * 1024 * 1024);
        maxConnections = inRange("max-connections", maxConnections, 1024, 1, 100_000);
        idleTimeout = inRange("idle-timeout", idleTimeout, Duration.ofMinutes(2), Duration.ofSeconds(1),
                Duration.ofHours(1));
    }

    /** These settings, listening on {@code fallback} unless they name an address. */
    public HttpIntakeSettings listenOr(final HostPort fallback) {
        return listen != null ? this : new HttpIntakeSettings(fallback, secretFile, maxBodyBytes, maxConnections,
                idleTimeout);
    }
}
