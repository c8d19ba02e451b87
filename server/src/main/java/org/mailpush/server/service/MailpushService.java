package org.mailpush.server.service;

import org.mailpush.notifyd.cyrus.CyrusSettings;
import io.netty.handler.ssl.OpenSsl;
import org.mailpush.imap.proxy.ImapProxyServer;
import org.mailpush.imap.proxy.TokenStoreRegistrationSink;
import org.mailpush.notifyd.cyrus.NotifySocketServer;
import org.mailpush.notifyd.cyrus.NotifyStreamServer;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.CredentialStatus;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ConfigCredentialSource;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.server.ops.MailpushMetrics;
import org.mailpush.server.ops.MeteredPushQueue;
import org.mailpush.server.ops.MeteredRegistrationStore;
import org.mailpush.server.ops.IntakeMetrics;
import org.mailpush.server.ops.OpsHttpServer;
import org.mailpush.server.ops.StatusReport;
import org.mailpush.server.ops.Readiness;
import org.mailpush.store.PushQueue;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.RegistrationSweeper;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * A running mailpush: the token store, the pusher, the event router, the intake doors (Cyrus notify socket, the
 * HTTP intake for Dovecot's Lua script, the xapsd API, the IMAP proxy) and the ops endpoint, wired from one
 * {@link MailpushConfig}.
 *
 * <p>{@link #start} starts the parts in dependency order (store, credentials and pusher, router, ops endpoint, then
 * the intake that lets events in) and either all of them run or none does: a failure stops what was started and is
 * reported as one {@link StartupException} naming the key or resource at fault. {@link #close()} stops them in
 * reverse order, draining queued events first.</p>
 */
public final class MailpushService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailpushService.class);

    private final Deque<AutoCloseable> started;
    private final RegistrationStore registrations;
    private final IntakeCounters intake;
    private final OpsHttpServer ops;
    private final Map<String, HttpIntakeServer> httpDoors;

    private MailpushService(final Deque<AutoCloseable> started, final RegistrationStore registrations,
                            final IntakeCounters intake, final OpsHttpServer ops,
                            final Map<String, HttpIntakeServer> httpDoors) {
        this.started = started;
        this.registrations = registrations;
        this.intake = intake;
        this.ops = ops;
        this.httpDoors = httpDoors;
    }

    /** mailpush could not start; the message says why in one line. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    public static MailpushService start(final MailpushConfig config) throws StartupException {
        return start(config, Role.ALL);
    }

    /**
     * Starts the part of mailpush {@code role} names: everything, or one side of a split install (docs/security.md).
     */
    public static MailpushService start(final MailpushConfig config, final Role role) throws StartupException {
        final Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            if (role != Role.PUSHER) {
                ConfigLoader.requireEventSource(config);
            }
            if (role != Role.INTAKE) {
                ConfigLoader.requireCredentials(config);
            }
            final MailpushMetrics metrics = new MailpushMetrics(Clock.systemUTC());
            started.push(metrics);
            final TokenStore store = StoreFactory.open(config.store());
            started.push(store);
            final MeteredRegistrationStore registrations = new MeteredRegistrationStore(store.registrations(),
                    metrics.registry());
            final PushQueue pushQueue = new MeteredPushQueue(store.pushQueue(), metrics.registry());
            metrics.bindStore(registrations);
            if (role != Role.PUSHER) {
                started.push(RegistrationSweeper.start(registrations, config.store().expireAfter(),
                        config.store().sweepInterval(), Clock.systemUTC()));
            }

            ApnsPusher pusherOrNull = null;
            if (role != Role.INTAKE) {
                pusherOrNull = PusherFactory.build(config.apns(), registrations, metrics.pushes());
                started.push(pusherOrNull);
                metrics.bindPusher(pusherOrNull);
                for (final CredentialStatus credential : pusherOrNull.credentials()) {
                    LOG.info("APNs credential for topic {} from {} via {}{}", credential.topic(),
                            credential.source(), credential.apnsHost(),
                            credential.notAfter().map(t -> ", valid until " + t).orElse(""));
                }
            }
            final ApnsPusher pusher = pusherOrNull;
            final IntakeCounters intake = new IntakeCounters();
            if (role == Role.PUSHER) {
                final QueuedPushConsumer consumer = new QueuedPushConsumer(pushQueue, registrations, pusher);
                // Closed before the pusher (stops reading); answered rows are removed after the pusher finished.
                started.addLast(consumer::removeAnsweredNow);
                started.push(consumer);
                final Supplier<Readiness> readiness = () -> readiness(store, pusher, false, null, null, Map.of());
                final OpsHttpServer ops = startOps(config, metrics, readiness);
                started.push(ops);
                LOG.info("mailpush started as the pusher of a split install; queued pushes come from {}",
                        store.describe());
                return new MailpushService(started, registrations, intake, ops, Map.of());
            }
            final String topic = pusher != null ? pusher.defaultTopic() : config.apns().topic();
            if (topic == null) {
                throw new ConfigException("apns.topic: is required for --role intake: the intake does not read the"
                        + " credentials, and answers registrations with this topic");
            }

            final IntakeListener counted = new IntakeMetrics(metrics.registry(), intake);
            final PushDispatcher dispatcher;
            if (pusher != null) {
                dispatcher = PushDispatchers.to(pusher);
            } else {
                final QueuedPushDispatcher queue = new QueuedPushDispatcher(pushQueue,
                        config.store().maxQueuedPushes(), Duration.ofSeconds(1));
                metrics.bindPushQueue(queue::queuedEstimate, queue::shed);
                dispatcher = queue;
            }
            final EventRouter router = new EventRouter(registrations, dispatcher, counted, topic,
                    config.routing().maxQueuedMail(), config.routing().maxQueuedRegistrations(), Clock.systemUTC());
            started.push(() -> router.close(Duration.ofSeconds(10)));
            metrics.bindRouter(router);

            ImapProxyServer imapProxy = null;
            if (config.imapProxy().isPresent()) {
                final TokenStoreRegistrationSink sink = new TokenStoreRegistrationSink(registrations, () -> topic);
                started.push(sink);
                imapProxy = ImapProxyFactory.start(config.imapProxy().get(), sink);
                started.push(imapProxy);
                metrics.bindImapProxy(imapProxy.counters());
            }
            final ImapProxyServer proxy = imapProxy;

            final java.util.concurrent.atomic.AtomicReference<java.util.function.BooleanSupplier> socket =
                    new java.util.concurrent.atomic.AtomicReference<>();
            final Map<String, HttpIntakeServer> httpDoors = new java.util.concurrent.ConcurrentHashMap<>();
            final Supplier<Readiness> readiness =
                    () -> readiness(store, pusher, config.cyrus().isPresent(), socket.get(), proxy, httpDoors);
            final OpsHttpServer ops = startOps(config, metrics, readiness);
            started.push(ops);

            if (config.cyrus().isPresent()) {
                final CyrusSettings cyrus = config.cyrus().get();
                if (cyrus.notifySocket().streamMode()) {
                    // Events acknowledged to Cyrus are on disk; done once their pushes are answered.
                    final NotifyStreamServer listener = NotifyStreamServer.builder()
                            .path(cyrus.notifySocket().path())
                            .queue(cyrus.queueDirectory(), cyrus.queueMaxBytes())
                            .mode(cyrus.socketPermissions())
                            .group(cyrus.socketGroup())
                            .method(cyrus.eventNotifier())
                            .namespace(cyrus.namespace())
                            .maxBytes(cyrus.maxDatagramBytes())
                            .listener(counted)
                            .sink(router::acceptTracked)
                            .bind();
                    socket.set(listener::isOpen);
                    started.push(listener::stopAccepting);
                    // Closed last, after the router and the pusher finished: what they push on the way out is done.
                    started.addLast(listener::closeQueue);
                } else {
                    final NotifySocketServer listener = NotifySocketServer.builder()
                            .path(cyrus.notifySocket().path())
                            .mode(cyrus.socketPermissions())
                            .group(cyrus.socketGroup())
                            .method(cyrus.eventNotifier())
                            .namespace(cyrus.namespace())
                            .maxDatagramBytes(cyrus.maxDatagramBytes())
                            .listener(counted)
                            .sink(router)
                            .backlog(router)
                            .bind();
                    socket.set(listener::isOpen);
                    started.push(listener);
                }
            }
            if (config.intake().isPresent()) {
                final HttpIntakeServer door = HttpIntakeFactory.startIntake(config.intake().get(), router, counted);
                started.push(door);
                httpDoors.put("intake", door);
                metrics.bindHttpIntake("intake", door);
            }
            if (config.xapsd().isPresent()) {
                final HttpIntakeServer door = HttpIntakeFactory.startXapsd(config.xapsd().get(), router, counted);
                started.push(door);
                httpDoors.put("xapsd", door);
                metrics.bindHttpIntake("xapsd", door);
            }
            LOG.info("mailpush started; {} registration(s) in {}; TLS {}", registrations.count(), store.describe(),
                    tlsImplementation());
            return new MailpushService(started, registrations, intake, ops, Map.copyOf(httpDoors));
        } catch (final ConfigException e) {
            stopAll(started);
            throw new StartupException(e.getMessage(), e);
        } catch (final SSLException e) {
            stopAll(started);
            throw new StartupException("cannot set up TLS for APNs: " + e.getMessage(), e);
        } catch (final TokenStoreException | IOException | IllegalArgumentException e) {
            stopAll(started);
            throw new StartupException(e.getMessage(), e);
        } catch (final RuntimeException e) {
            stopAll(started);
            throw e;
        }
    }

    private static OpsHttpServer startOps(final MailpushConfig config, final MailpushMetrics metrics,
                                          final Supplier<Readiness> readiness) throws IOException {
        return OpsHttpServer.start(config.http().listen(), readiness, metrics,
                new StatusReport(metrics, readiness, Clock.systemUTC()), config.http().user() == null ? null
                        : new OpsHttpServer.Access(config.http().user(), config.http().password()));
    }

    /** What {@code /readyz} reports: store reachable, at least one usable unexpired credential, socket open. */
    static Readiness readiness(final TokenStore store, final ApnsPusher pusher, final boolean cyrusConfigured,
                               final java.util.function.BooleanSupplier socket, final ImapProxyServer imapProxy,
                               final Map<String, HttpIntakeServer> httpDoors) {
        final List<String> problems = new ArrayList<>();
        final Map<String, Object> checks = new LinkedHashMap<>();
        final boolean storeUp = store.isReachable();
        checks.put("store", storeUp ? "reachable" : "unreachable");
        if (!storeUp) {
            problems.add("the token store is unreachable");
        }
        if (pusher == null) {
            // The intake of a split install: the credentials are the pusher process's business.
            checks.put("credentials", "held by the pusher process");
        } else {
            credentials(pusher, checks, problems);
        }
        if (cyrusConfigured) {
            final boolean open = socket != null && socket.getAsBoolean();
            checks.put("cyrusSocket", open ? "listening" : "closed");
            if (!open) {
                problems.add("the Cyrus notify socket is not listening");
            }
        }
        if (imapProxy != null) {
            checks.put("imapProxy", Map.of("listening", imapProxy.addresses().size(),
                    "openSessions", imapProxy.counters().openSessions()));
        }
        httpDoors.forEach((name, door) -> {
            checks.put(name, Map.of("listening", door.isOpen(), "openConnections", door.openConnections()));
            if (!door.isOpen()) {
                problems.add("the " + name + " listener is closed");
            }
        });
        return new Readiness(List.copyOf(problems), checks);
    }

    private static void credentials(final ApnsPusher pusher, final Map<String, Object> checks,
                                    final List<String> problems) {
        final List<Map<String, Object>> credentials = new ArrayList<>();
        boolean anyUsable = false;
        final Instant now = Instant.now();
        for (final CredentialStatus credential : pusher.credentials()) {
            final boolean expired = credential.notAfter().map(now::isAfter).orElse(false);
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("topic", credential.topic());
            entry.put("apnsHost", credential.apnsHost());
            entry.put("usable", credential.usable() && !expired);
            credential.notAfter().ifPresent(t -> entry.put("notAfter", t.toString()));
            entry.put("circuitBreaker", credential.circuitBreaker());
            if (!credential.usable()) {
                entry.put("problem", credential.problem());
            } else if (expired) {
                entry.put("problem", "expired");
            }
            credentials.add(entry);
            anyUsable |= credential.usable() && !expired;
        }
        checks.put("credentials", credentials);
        if (!anyUsable) {
            problems.add("no usable APNs credential (refused by APNs or expired)");
        }
    }

    /** The registrations, as every door and the pusher use them (counted). */
    public RegistrationStore registrations() {
        return registrations;
    }

    public IntakeCounters intake() {
        return intake;
    }

    public java.net.InetSocketAddress opsAddress() {
        return ops.address();
    }

    /** Where the {@code intake:} or {@code xapsd:} listener is bound (with the real port when 0 was configured). */
    public java.util.Optional<java.net.InetSocketAddress> httpIntakeAddress(final String key) {
        return java.util.Optional.ofNullable(httpDoors.get(key)).map(HttpIntakeServer::address);
    }

    /** Stops intake first, then drains the router, closes APNs connections and the store. */
    @Override
    public void close() {
        LOG.info("mailpush stopping");
        stopAll(started);
    }

    private static void stopAll(final Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            final AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (final Exception e) {
                LOG.warn("Error while stopping {}: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** Which TLS Netty uses for the proxy and Pushy: BoringSSL when netty-tcnative loads, the JDK's otherwise. */
    static String tlsImplementation() {
        return OpenSsl.isAvailable()
                ? "through " + OpenSsl.versionString() + " (netty-tcnative)"
                : "through the JDK (netty-tcnative did not load: "
                        + OpenSsl.unavailabilityCause() + ")";
    }
}
