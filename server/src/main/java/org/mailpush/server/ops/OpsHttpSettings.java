package org.mailpush.server.ops;

import org.mailpush.common.settings.HostPort;

import java.nio.file.Path;

import static org.mailpush.common.settings.Settings.orDefault;

/**
 * {@code http:} the ops endpoint (metrics, health, status page). The one place these defaults are written. That
 * {@code user} and {@code password-file} go together, and that an address off loopback needs them (or
 * {@code allow-anonymous}), is checked with the rest of the configuration. Immutable.
 *
 * @param listen         where the endpoint listens (default loopback, 127.0.0.1:9180)
 * @param user           for HTTP Basic authentication on every path, {@code null} for none
 * @param passwordFile   a file holding that user's password, {@code null} for none
 * @param allowAnonymous accept an endpoint off loopback without authentication
 */
public record OpsHttpSettings(HostPort listen, String user, Path passwordFile, Boolean allowAnonymous) {

    /** Every value at its default. */
    public static final OpsHttpSettings DEFAULTS = new OpsHttpSettings(null, null, null, null);

    public OpsHttpSettings {
        listen = orDefault(listen, new HostPort("127.0.0.1", 9180));
        allowAnonymous = orDefault(allowAnonymous, false);
    }
}
