package org.mailpush.server.service;

import io.netty.handler.ssl.OpenSsl;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.ops.MailpushMetrics;
import org.mailpush.server.ops.OpsHttpServer;
import org.mailpush.server.ops.Readiness;
import org.mailpush.server.ops.StatusReport;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A running mailpush: the token store, the pusher, the event router, the intake doors (Cyrus notify socket, the
 * HTTP intake for Dovecot's Lua script, the xapsd API, the IMAP proxy) and the ops endpoint, wired from one
 * {@link MailpushConfig}.
 *
 * <p>{@link #start} starts the parts in dependency order ({@link CoreParts}: metrics, store, sweeper, credentials
 * and pusher; {@link IntakeSide}: router and IMAP proxy; the ops endpoint; then the doors that let events in), each
 * registered by name with a {@link Lifecycle}, and either all of them run or none does: a failure stops what was
 * started and is reported as one {@link StartupException} naming the key or resource at fault. {@link #close()}
 * stops them in reverse order, draining queued events first.</p>
 */
public final class MailpushService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailpushService.class);

    private final Lifecycle lifecycle;
    private final RegistrationStore registrations;
    private final DavSubscriptionStore subscriptions;
    private final IntakeCounters intake;
    private final OpsHttpServer ops;
    private final Map<String, HttpIntakeServer> httpDoors;

    private MailpushService(final Lifecycle lifecycle, final RegistrationStore registrations,
                            final DavSubscriptionStore subscriptions, final IntakeCounters intake,
                            final OpsHttpServer ops, final Map<String, HttpIntakeServer> httpDoors) {
        this.lifecycle = lifecycle;
        this.registrations = registrations;
        this.subscriptions = subscriptions;
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
     * Phases, in order: what the role needs of the configuration; the core (metrics, store, sweeper, pusher); for
     * the pusher of a split install the queue consumer, otherwise the router and the IMAP proxy; the ops endpoint;
     * last the doors that let events in.
     */
    public static MailpushService start(final MailpushConfig config, final Role role) throws StartupException {
        final Lifecycle lifecycle = new Lifecycle();
        try {
            requireWhatTheRoleNeeds(config, role);
            final CoreParts core = CoreParts.start(config, role, lifecycle);
            if (role == Role.PUSHER) {
                return startQueueConsumer(config, core, lifecycle);
            }
            final IntakeSide intake = new IntakeSide(config, core, lifecycle);
            intake.startRouting();
            final OpsHttpServer ops = lifecycle.started("ops endpoint",
                    startOps(config, core.metrics(), intake.readiness()));
            intake.openDoors();
            LOG.info("mailpush started; {} registration(s) in {}; TLS {}", core.registrations().count(),
                    core.store().describe(), tlsImplementation());
            return new MailpushService(lifecycle, core.registrations(), core.store().subscriptions(),
                    intake.counters(), ops, intake.httpDoors());
        } catch (final ConfigException e) {
            lifecycle.stopAll();
            throw new StartupException(e.getMessage(), e);
        } catch (final SSLException e) {
            lifecycle.stopAll();
            throw new StartupException("cannot set up TLS for APNs: " + e.getMessage(), e);
        } catch (final TokenStoreException | IOException | IllegalArgumentException e) {
            lifecycle.stopAll();
            throw new StartupException(e.getMessage(), e);
        } catch (final RuntimeException e) {
            lifecycle.stopAll();
            throw e;
        }
    }

    private static void requireWhatTheRoleNeeds(final MailpushConfig config, final Role role)
            throws ConfigException {
        if (role != Role.PUSHER) {
            ConfigLoader.requireEventSource(config);
        }
        if (role != Role.INTAKE) {
            ConfigLoader.requireCredentials(config);
        }
    }

    /** The pusher of a split install: it sends what the intake process queued. */
    private static MailpushService startQueueConsumer(final MailpushConfig config, final CoreParts core,
                                                      final Lifecycle lifecycle) throws IOException {
        final QueuedPushConsumer consumer = new QueuedPushConsumer(core.pushQueue(), core.registrations(),
                core.store().subscriptions(), core.pusher()::submit,
                QueuedPushConsumer.Settings.of(config.store().queueLease(), config.store().queuePoll(),
                        core.pushQueue()),
                Clock.systemUTC(), System::nanoTime, QueuedPushConsumer.claimerName());
        // Stopped before the pusher (stops claiming); its last answers are settled, and what it never answered
        // given back, once the pusher finished and before the store closes.
        core.afterPusher().fill(consumer::finish);
        lifecycle.started("queue consumer", consumer.start());
        core.metrics().bindPushQueueClaimer(consumer::held, consumer::claims, consumer::leaseExpiries,
                consumer::redeliveries);
        final Supplier<Readiness> readiness = () -> ServiceReadiness.of(core.store(), core.pusher(), false, null,
                null, Map.of());
        final OpsHttpServer ops = lifecycle.started("ops endpoint", startOps(config, core.metrics(), readiness));
        LOG.info("mailpush started as the pusher of a split install; queued pushes come from {}",
                core.store().describe());
        return new MailpushService(lifecycle, core.registrations(), core.store().subscriptions(),
                new IntakeCounters(), ops, Map.of());
    }

    private static OpsHttpServer startOps(final MailpushConfig config, final MailpushMetrics metrics,
                                          final Supplier<Readiness> readiness) throws IOException {
        return OpsHttpServer.start(config.http().listen(), readiness, metrics,
                new StatusReport(metrics, readiness, Clock.systemUTC()), config.http().user() == null ? null
                        : new OpsHttpServer.Access(config.http().user(), config.http().password()));
    }

    /** The registrations, as every door and the pusher use them (counted). */
    public RegistrationStore registrations() {
        return registrations;
    }

    /** The calendar and address book subscriptions (through the routing cache when it is on). */
    public DavSubscriptionStore subscriptions() {
        return subscriptions;
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
        lifecycle.stopAll();
    }

    /** Which TLS Netty uses for the proxy and Pushy: BoringSSL when netty-tcnative loads, the JDK's otherwise. */
    static String tlsImplementation() {
        return OpenSsl.isAvailable()
                ? "through " + OpenSsl.versionString() + " (netty-tcnative)"
                : "through the JDK (netty-tcnative did not load: "
                        + OpenSsl.unavailabilityCause() + ")";
    }
}
