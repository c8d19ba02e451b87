package org.mailpush.server.service;

import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.TokenStoreRegistrationSink;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.notifyd.cyrus.NotifySocketServer;
import org.mailpush.notifyd.cyrus.NotifyStreamServer;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.ops.IntakeMetrics;
import org.mailpush.server.ops.Readiness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where events enter and are routed, for every role but the split install's pusher: the router (to the pusher, or
 * to the push queue for the pusher process), the IMAP proxy, and the doors — the Cyrus notify socket and the HTTP
 * doors for Dovecot and the xaps plugin. Started in two phases: {@link #startRouting} before the ops endpoint,
 * {@link #openDoors} last, so no event arrives before everything that handles it runs. Used by the starting thread;
 * {@link #readiness} is read by the ops endpoint's thread.
 */
final class IntakeSide {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeSide.class);

    /** How long a stop lets the router finish what is queued. */
    private static final Duration ROUTER_DRAIN = Duration.ofSeconds(10);

    private final MailpushConfig config;
    private final CoreParts core;
    private final Lifecycle lifecycle;
    private final IntakeCounters counters = new IntakeCounters();
    private final IntakeListener counted;
    private final Map<String, HttpIntakeServer> httpDoors = new ConcurrentHashMap<>();
    private EventRouter router;
    private ImapProxyServer proxy;
    private volatile BooleanSupplier socketOpen;

    IntakeSide(final MailpushConfig config, final CoreParts core, final Lifecycle lifecycle) {
        this.config = config;
        this.core = core;
        this.lifecycle = lifecycle;
        this.counted = new IntakeMetrics(core.metrics().registry(), counters);
    }

    /** The router and the IMAP proxy (which only takes registrations, so it may come before the ops endpoint). */
    void startRouting() throws ConfigException, IOException {
        final String topic = core.pusher() != null ? core.pusher().defaultTopic() : config.apns().topic();
        if (topic == null) {
            throw new ConfigException("apns.topic: is required for --role intake: the intake does not read the"
                    + " credentials, and answers registrations with this topic");
        }
        router = new EventRouter(core.registrations(), core.store().subscriptions(), dispatcher(), counted, topic,
                config.routing().maxQueuedMail(), config.routing().maxQueuedRegistrations(), Clock.systemUTC());
        lifecycle.started("event router", () -> router.close(ROUTER_DRAIN));
        core.metrics().bindRouter(router);
        if (config.imapProxy().isPresent()) {
            final TokenStoreRegistrationSink sink = lifecycle.started("IMAP proxy registrations",
                    new TokenStoreRegistrationSink(core.registrations(), () -> topic));
            proxy = lifecycle.started("IMAP proxy", ImapProxyFactory.start(config.imapProxy().get(), sink));
            core.metrics().bindImapProxy(proxy.counters());
        }
    }

    /** The pusher in this process, or the push queue the split install's pusher process reads. */
    private PushDispatcher dispatcher() {
        if (core.pusher() != null) {
            return PushDispatchers.to(core.pusher());
        }
        // Stopped after the router (registered before it): the router's last pushes are written on the way out.
        final QueuedPushDispatcher queue = lifecycle.started("push queue writer", new QueuedPushDispatcher(
                core.pushQueue(), config.store().maxQueuedPushes(), Duration.ofSeconds(1)).start());
        core.metrics().bindPushQueueIntake(queue::queuedEstimate, queue::shed, queue::written, queue::lost);
        return queue;
    }

    /** The doors that let events in: the Cyrus notify socket, then the HTTP doors. */
    void openDoors() throws IOException {
        if (config.cyrus().isPresent()) {
            openCyrusSocket(config.cyrus().get());
        }
        if (config.intake().isPresent()) {
            openHttpDoor("intake", HttpIntakeFactory.startIntake(config.intake().get(), router, counted));
        }
        if (config.xapsd().isPresent()) {
            openHttpDoor("xapsd", HttpIntakeFactory.startXapsd(config.xapsd().get(), router, counted));
        }
    }

    private void openCyrusSocket(final CyrusSettings cyrus) throws IOException {
        if (!cyrus.deprecatedKeysSet().isEmpty()) {
            // Accepted so that existing files still load; said once, so that they get cleaned up.
            LOG.warn("{}: {} deprecated and ignored: mailpush reads Cyrus's namespace (altnamespace, unixhierarchysep,"
                    + " virtdomains) from each event, nothing to mirror; remove it from the cyrus: section",
                    config.source(), String.join(", ", cyrus.deprecatedKeysSet()));
        }
        if (cyrus.notifySocket().streamMode()) {
            // Events acknowledged to Cyrus are on disk; done once their pushes are answered.
            final NotifyStreamServer server = NotifyStreamServer.builder()
                    .settings(cyrus)
                    .listener(counted)
                    .sink(router::acceptTracked)
                    .bind();
            socketOpen = server::isOpen;
            lifecycle.started("Cyrus notify stream", server::stopAccepting);
            // Closed last, after the router and the pusher finished: what they push on the way out is done.
            lifecycle.atTheEnd("Cyrus event queue", server::closeQueue);
        } else {
            final NotifySocketServer server = NotifySocketServer.builder()
                    .settings(cyrus)
                    .listener(counted)
                    .sink(router)
                    .backlog(router)
                    .bind();
            socketOpen = server::isOpen;
            lifecycle.started("Cyrus notify socket", server);
        }
    }

    private void openHttpDoor(final String name, final HttpIntakeServer door) {
        lifecycle.started(name + " door", door);
        httpDoors.put(name, door);
        core.metrics().bindHttpIntake(name, door);
    }

    /** What {@code /readyz} says of this side, and of the store and the pusher. */
    Supplier<Readiness> readiness() {
        return () -> ServiceReadiness.of(core.store(), core.pusher(), config.cyrus().isPresent(), socketOpen, proxy,
                httpDoors);
    }

    IntakeCounters counters() {
        return counters;
    }

    Map<String, HttpIntakeServer> httpDoors() {
        return Map.copyOf(httpDoors);
    }
}
