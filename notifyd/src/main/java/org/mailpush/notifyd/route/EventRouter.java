package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.store.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationLimitException;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Where an event is routed: a registration is stored, a mailbox event is matched to the registrations of the
 * mailbox's owner that watch that mailbox, and each match goes to the {@link PushDispatcher}.
 *
 * <p>Threading: intake doors call {@link #accept} on their I/O threads; it only enqueues into a bounded queue and
 * never blocks. One routing thread drains the queue in arrival order (so a registration is stored before the mail
 * that follows it is routed) and does the store work. When the queue is full, the new event is dropped and reported
 * to {@link IntakeListener#eventShed}: the door stays responsive and memory stays flat. Doors that must answer
 * their sender with the outcome use {@link #submit}, which queues the same way and completes when the event has been
 * routed.</p>
 */
public final class EventRouter implements Consumer<IntakeEvent>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventRouter.class);

    private final TokenStore store;
    private final PushDispatcher dispatcher;
    private final IntakeListener listener;
    private final String registrationTopic;
    private final Clock clock;
    private final ThreadPoolExecutor executor;
    /** Routes queued events again after a store failure; one thread, scheduled, never busy for long. */
    private final java.util.concurrent.ScheduledExecutorService retries =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                final Thread thread = new Thread(runnable, "event-router-retry");
                thread.setDaemon(true);
                return thread;
            });

    /**
     * @param registrationTopic the APNs topic new registrations are answered with (the mail credential's topic)
     * @param queueCapacity     how many events may wait for routing
     */
    public EventRouter(final TokenStore store, final PushDispatcher dispatcher, final IntakeListener listener,
                       final String registrationTopic, final int queueCapacity, final Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.registrationTopic = registrationTopic;
        this.clock = Objects.requireNonNull(clock, "clock");
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1, not " + queueCapacity);
        }
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), runnable -> {
                    final Thread thread = new Thread(runnable, "event-router");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Queues the event for routing; never blocks. */
    @Override
    public void accept(final IntakeEvent event) {
        offer(event);
    }

    /** Queues the event for routing; never blocks. {@code false} when the queue was full and the event was shed. */
    public boolean offer(final IntakeEvent event) {
        try {
            executor.execute(() -> route(event));
            return true;
        } catch (final RejectedExecutionException e) {
            listener.eventShed(event);
            return false;
        }
    }

    /**
     * Queues an event taken from a durable queue, and runs {@code done} once it is dealt with: a registration
     * stored; a mailbox event's pushes all answered (or none needed). When routing fails (the store is down) the
     * event is routed again a second later, and {@code done} waits; when the routing queue is full this waits for
     * room. Blocks: call it from a thread of its own, never from an event loop.
     */
    public void acceptTracked(final IntakeEvent event, final Runnable done) {
        while (true) {
            try {
                executor.execute(() -> routeTracked(event, done));
                return;
            } catch (final RejectedExecutionException e) {
                if (executor.isShutdown()) {
                    return; // not done: replayed after the restart
                }
                try {
                    Thread.sleep(10);
                } catch (final InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void routeTracked(final IntakeEvent event, final Runnable done) {
        try {
            routeTrackedOnce(event, done);
        } catch (final RuntimeException e) {
            LOG.warn("Could not route a queued {} event; trying again in a second: {}", event.type().wireName(),
                    e.toString());
            retryLater(event, done);
        }
    }

    private void routeTrackedOnce(final IntakeEvent event, final Runnable done) {
        if (event instanceof DeviceRegistration) {
            final RouteOutcome outcome = route(event, false);
            if (outcome == RouteOutcome.STORE_FAILED) {
                retryLater(event, done);
            } else {
                done.run();
            }
            return;
        }
        final MailboxEvent change = (MailboxEvent) event;
        if (change.type().kind() != EventType.Kind.NEW_MAIL && change.type().kind() != EventType.Kind.MAILBOX_CHANGE) {
            done.run();
            return;
        }
        final List<Registration> watching;
        try {
            watching = store.registrationsWatching(change.owner(), change.mailbox());
        } catch (final TokenStoreException e) {
            LOG.warn("Token store failed while routing a queued {} event; trying again in a second: {}",
                    change.type().wireName(), e.getMessage());
            retryLater(event, done);
            return;
        }
        if (watching.isEmpty()) {
            done.run();
            return;
        }
        final java.util.concurrent.atomic.AtomicInteger outstanding =
                new java.util.concurrent.atomic.AtomicInteger(watching.size());
        final Runnable onePushed = () -> {
            if (outstanding.decrementAndGet() == 0) {
                done.run();
            }
        };
        for (final Registration registration : watching) {
            dispatcher.dispatch(new PushIntent(registration, change), onePushed);
        }
    }

    private void retryLater(final IntakeEvent event, final Runnable done) {
        try {
            retries.schedule(() -> acceptTracked(event, done), 1, TimeUnit.SECONDS);
        } catch (final RejectedExecutionException e) {
            // Closing: the event stays in its durable queue and is replayed after the restart.
        }
    }

    /** The APNs topic registrations are stored with, which the xapsd API answers a registration with. */
    public String registrationTopic() {
        return registrationTopic;
    }

    /**
     * Queues the event for routing, like {@link #accept}, and tells what routing did. Never blocks; the future
     * completes on the routing thread (or at once with {@link RouteOutcome#SHED} when the queue is full), never
     * exceptionally. For a mailbox event nobody watches it tells {@link RouteOutcome#UNKNOWN_USER} apart from
     * {@link RouteOutcome#NOT_WATCHED}, which costs one more store lookup.
     */
    public CompletableFuture<RouteOutcome> submit(final IntakeEvent event) {
        final CompletableFuture<RouteOutcome> outcome = new CompletableFuture<>();
        try {
            executor.execute(() -> outcome.complete(route(event, true)));
        } catch (final RejectedExecutionException e) {
            listener.eventShed(event);
            outcome.complete(RouteOutcome.SHED);
        }
        return outcome;
    }

    /** How many events wait for routing now. */
    public int queued() {
        return executor.getQueue().size();
    }

    /** Routes one event on the calling thread. Store failures are logged, never thrown: the next event goes on. */
    public RouteOutcome route(final IntakeEvent event) {
        return route(event, false);
    }

    private RouteOutcome route(final IntakeEvent event, final boolean tellUnknownUsers) {
        try {
            if (event instanceof DeviceRegistration registration) {
                try {
                    register(registration);
                } catch (final RegistrationLimitException e) {
                    listener.badInput(event.source(), BadInputException.refusedRegistration(
                            BadInputKind.TOO_MANY_DEVICES, "device " + DeviceTokens.mask(registration.deviceToken())
                                    + " refused: " + e.getMessage()));
                    return RouteOutcome.REFUSED;
                }
                return RouteOutcome.REGISTERED;
            }
            return routeChange((MailboxEvent) event, tellUnknownUsers);
        } catch (final TokenStoreException e) {
            LOG.error("Token store failed while routing a {} event: {}", event.type().wireName(), e.getMessage());
            return RouteOutcome.STORE_FAILED;
        } catch (final RuntimeException e) {
            LOG.error("Could not route a {} event", event.type().wireName(), e);
            return RouteOutcome.STORE_FAILED;
        }
    }

    private void register(final DeviceRegistration device) {
        final TokenStore.RegisterOutcome outcome = store.register(Registration.of(device.username(),
                device.accountId(), device.deviceToken(), device.subtopic(), device.apsVersion(), device.mailboxes(),
                registrationTopic, clock.instant()));
        LOG.info("Device {} of {} {} for {}", DeviceTokens.mask(device.deviceToken()), device.username(),
                outcome == TokenStore.RegisterOutcome.ADDED ? "registered" : "re-registered", device.mailboxes());
    }

    private RouteOutcome routeChange(final MailboxEvent change, final boolean tellUnknownUsers) {
        if (change.type().kind() != EventType.Kind.NEW_MAIL && change.type().kind() != EventType.Kind.MAILBOX_CHANGE) {
            return RouteOutcome.IGNORED;
        }
        final List<Registration> watching = store.registrationsWatching(change.owner(), change.mailbox());
        if (watching.isEmpty()) {
            LOG.debug("{} in {} of {}: no registered device watches it", change.type().wireName(), change.mailbox(),
                    change.owner());
            if (tellUnknownUsers && store.registrationsOf(change.owner()).isEmpty()) {
                return RouteOutcome.UNKNOWN_USER;
            }
            return RouteOutcome.NOT_WATCHED;
        }
        if (change.type().kind() == EventType.Kind.NEW_MAIL) {
            LOG.debug("{} in {} of {}: {} device(s) to push", change.type().wireName(), change.mailbox(),
                    change.owner(), watching.size());
        }
        for (final Registration registration : watching) {
            dispatcher.dispatch(new PushIntent(registration, change));
        }
        return RouteOutcome.DISPATCHED;
    }

    /** Stops taking events, routes what is queued for up to {@code drainTimeout}, then stops. */
    public void close(final Duration drainTimeout) {
        retries.shutdownNow();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                final int abandoned = executor.shutdownNow().size();
                LOG.warn("Event router stopped with {} event(s) not routed", abandoned);
            }
        } catch (final InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
