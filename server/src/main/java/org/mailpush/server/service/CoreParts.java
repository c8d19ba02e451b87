package org.mailpush.server.service;

import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.CredentialStatus;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.server.ops.MailpushMetrics;
import org.mailpush.server.ops.MeteredPushQueue;
import org.mailpush.server.ops.MeteredRegistrationStore;
import org.mailpush.store.PushQueue;
import org.mailpush.store.RegistrationSweeper;
import org.mailpush.store.TokenStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;

/**
 * What every role runs: the metrics, the token store (metered), the sweeper of expired registrations (where
 * registrations are taken in) and the pusher (where pushes are sent). Started first, stopped last.
 *
 * @param pusher        {@code null} for the intake of a split install, which never reads the credentials
 * @param afterPusher   the stop between the pusher and the store: where the pusher of a split install removes the
 *                      queue rows its last answers settled (the store must still be open, the pusher done)
 */
record CoreParts(MailpushMetrics metrics, TokenStore store, MeteredRegistrationStore registrations,
                 PushQueue pushQueue, ApnsPusher pusher, Lifecycle.Slot afterPusher) {

    private static final Logger LOG = LoggerFactory.getLogger(CoreParts.class);

    static CoreParts start(final MailpushConfig config, final Role role, final Lifecycle lifecycle)
            throws ConfigException, IOException {
        final MailpushMetrics metrics = lifecycle.started("metrics", new MailpushMetrics(Clock.systemUTC()));
        final TokenStore store = lifecycle.started("token store", StoreFactory.open(config.store()));
        final MeteredRegistrationStore registrations = new MeteredRegistrationStore(store.registrations(),
                metrics.registry());
        final PushQueue pushQueue = new MeteredPushQueue(store.pushQueue(), metrics.registry());
        metrics.bindStore(registrations);
        if (role != Role.ALL) {
            metrics.bindPushQueue(() -> pushQueue.stats(java.time.Instant.now()));
        }
        if (role != Role.PUSHER) {
            lifecycle.started("registration sweeper", RegistrationSweeper.start(registrations, store.subscriptions(),
                    config.store().expireAfter(), config.store().sweepInterval(), Clock.systemUTC()));
        }
        final Lifecycle.Slot afterPusher = lifecycle.slot("answered queue rows");
        ApnsPusher pusher = null;
        if (role != Role.INTAKE) {
            pusher = lifecycle.started("pusher", PusherFactory.build(config.apns(), registrations,
                    store.subscriptions(), metrics.pushes()));
            metrics.bindPusher(pusher);
            for (final CredentialStatus credential : pusher.credentials()) {
                LOG.info("APNs credential for topic {} from {} via {}{}", credential.topic(), credential.source(),
                        credential.apnsHost(), credential.notAfter().map(t -> ", valid until " + t).orElse(""));
            }
        }
        return new CoreParts(metrics, store, registrations, pushQueue, pusher, afterPusher);
    }
}
