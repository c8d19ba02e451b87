package org.mailpush.server.config;

import org.mailpush.imap.proxy.ImapProxyConfig;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.notifyd.http.HttpIntakeSettings;
import org.mailpush.notifyd.route.RoutingSettings;
import org.mailpush.pusher.ApnsSettings;
import org.mailpush.server.ops.OpsHttpSettings;
import org.mailpush.store.StoreSettings;

import static org.mailpush.common.settings.Settings.orDefault;

/**
 * The configuration file's sections as Jackson binds them, each the settings record of the module that uses it; a
 * section left out is {@code null} (an optional door stays off) or its defaults (store, http, routing).
 */
record ConfigFile(StoreSettings store, CyrusSettings cyrus, ImapProxyConfig imapProxy, HttpIntakeSettings intake,
                  HttpIntakeSettings xapsd, ApnsSettings apns, OpsHttpSettings http, RoutingSettings routing) {

    ConfigFile {
        store = orDefault(store, StoreSettings.DEFAULTS);
        intake = intake == null ? null : intake.listenOr(HttpIntakeSettings.DOVECOT_LISTEN);
        xapsd = xapsd == null ? null : xapsd.listenOr(HttpIntakeSettings.XAPSD_LISTEN);
        http = orDefault(http, OpsHttpSettings.DEFAULTS);
        routing = orDefault(routing, RoutingSettings.DEFAULTS);
    }
}
