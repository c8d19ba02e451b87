package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.IntakeBacklog;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.RegistrationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Where an event is routed: a device's registration (mail) or subscription (a calendar or address book) is stored; a
 * mail mailbox's event is matched to the registrations of the mailbox's owner that watch that mailbox, a calendar's
 * or address book's event to the subscriptions of that collection ({@link DavRouting}), and each match goes to the
 * {@link PushDispatcher}. A calendar write never reaches a mail device, nor mail a calendar subscription: routing
 * goes by the event's {@link org.mailpush.notifyd.event.MailboxType}.
 *
 * <p>Threading: intake doors call {@link #accept} on their I/O threads; it only queues ({@link RoutingLanes}: mail
 * and registrations in lanes of their own, each bounded) and never blocks. Two threads take work in batches, so
 * that the store is asked once per batch, not once per event: the routing thread looks up the owners of up to
 * {@value #MAIL_BATCH} mailbox events at once ({@link RegistrationStore#registrationsOfUsers}, and the collections
 * of calendar and address-book events at once, {@link DavSubscriptionStore#subscriptionsOfCollections}); the writing
 * thread stores up to about {@value #REGISTRATION_BATCH} registrations in one group commit
 * ({@link RegistrationStore#registerAll}), and DAV subscriptions, which share the registrations' lane, keyed by the
 * collection's user (the push key's first half), in the order they came. So a burst of registrations never holds
 * new mail behind a commit; and a user's registrations (and subscriptions to that user's collections) that came
 * first are stored before that user's mail (or calendar change) is routed (the routing thread stores those still
 * queued itself, and waits for the writing thread's commit when it holds some), so a device that registered is
 * pushed for mail that came after it.
 * When a lane is full the new event is dropped and reported to {@link IntakeListener#eventShed}: the door stays
 * responsive and memory stays flat. Doors that must answer their sender with the outcome use
 * {@link #submit}, which queues the same way and completes when the event has been routed; the durable queue uses
 * {@link #acceptTracked}, which waits for room instead of shedding.</p>
 *
 * <p>Lifecycle: the routing and writing threads start with the router; {@link #close(Duration)} stops taking
 * events, routes and stores what is queued for up to the drain timeout, then stops.</p>
 *
 * <p>This class queues and runs the two threads; what they do with a batch is {@link MailRouting} and
 * {@link DavRouting} and {@link RegistrationWriting}, and how each job ends (counted, its waiter told)
 * {@link JobOutcomes}.</p>
 */
public final class EventRouter implements Consumer<IntakeEvent>, IntakeBacklog, AutoCloseable {

    /** Mailbox events routed per round, their owners looked up at once. */
    static final int MAIL_BATCH = 500;
    /** Registrations stored per group commit, in one transaction. */
    static final int REGISTRATION_BATCH = 200;

    /** Where the router's parts log: one category for routing, as when it was one class. */
    static final Logger LOG = LoggerFactory.getLogger(EventRouter.class);

    private final RegistrationStore store;
    private final IntakeListener listener;
    private final String registrationTopic;
    private final RoutingLanes<RouteJob> lanes;
    private final JobOutcomes outcomes = new JobOutcomes();
    private final MailRouting mail;
    private final DavRouting dav;
    private final RegistrationWriting registrations;
    private final Thread routing;
    /** Stores registrations, so that a group commit never holds mail back (the routing thread's job). */
    private final Thread writing;
    private volatile boolean closing;
    /** Routes durable-queue events again after a store failure; one thread, scheduled, never busy for long. */
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        final Thread thread = new Thread(runnable, "event-router-retry");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * As {@link #EventRouter(RegistrationStore, DavSubscriptionStore, PushDispatcher, IntakeListener, String, int,
     * int, Clock)}, both lanes alike.
     */
    public EventRouter(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                       final PushDispatcher dispatcher, final IntakeListener listener, final String registrationTopic,
                       final int queueCapacity, final Clock clock) {
        this(store, subscriptions, dispatcher, listener, registrationTopic, queueCapacity, queueCapacity, clock);
    }

    /**
     * Starts the routing and writing threads.
     *
     * @param subscriptions        where calendar and address-book subscriptions are stored and looked up
     * @param registrationTopic    the APNs topic new registrations are answered with (the mail credential's topic)
     * @param mailCapacity         how many mailbox events may wait for routing
     * @param registrationCapacity how many registrations and subscriptions may wait
     * @param clock                the time registrations and subscriptions are stored with, and expiry is judged by
     */
    public EventRouter(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                       final PushDispatcher dispatcher, final IntakeListener listener, final String registrationTopic,
                       final int mailCapacity, final int registrationCapacity, final Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(subscriptions, "subscriptions");
        Objects.requireNonNull(dispatcher, "dispatcher");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.registrationTopic = registrationTopic;
        Objects.requireNonNull(clock, "clock");
        this.lanes = new RoutingLanes<>(mailCapacity, registrationCapacity);
        this.mail = new MailRouting(store, dispatcher, outcomes, this::failed);
        this.dav = new DavRouting(subscriptions, dispatcher, outcomes, this::failed, clock);
        this.registrations = new RegistrationWriting(store, subscriptions, listener, registrationTopic, clock,
                outcomes, this::failed);
        this.routing = new Thread(this::routeUntilClosed, "event-router");
        routing.setDaemon(true);
        this.writing = new Thread(this::writeUntilClosed, "event-router-registrations");
        writing.setDaemon(true);
        routing.start();
        writing.start();
    }

    /** Queues the event for routing; never blocks. */
    @Override
    public void accept(final IntakeEvent event) {
        offer(event);
    }

    /** Queues the event for routing; never blocks. {@code false} when its lane was full and the event was shed. */
    public boolean offer(final IntakeEvent event) {
        if (!enqueue(new RouteJob(event, null, null))) {
            outcomes.count(RouteOutcome.SHED);
            listener.eventShed(event);
            return false;
        }
        return true;
    }

    /**
     * Queues the event for routing, like {@link #accept}, and tells what routing did. Never blocks; the future
     * completes on the routing thread (or at once with {@link RouteOutcome#SHED} when the lane is full), never
     * exceptionally. A mailbox event nobody watches is {@link RouteOutcome#UNKNOWN_USER} when its owner has no
     * device at all, else {@link RouteOutcome#NOT_WATCHED}.
     */
    public CompletableFuture<RouteOutcome> submit(final IntakeEvent event) {
        final CompletableFuture<RouteOutcome> outcome = new CompletableFuture<>();
        if (!enqueue(new RouteJob(event, outcome, null))) {
            outcomes.count(RouteOutcome.SHED);
            listener.eventShed(event);
            outcome.complete(RouteOutcome.SHED);
        }
        return outcome;
    }

    /**
     * Queues an event taken from a durable queue, and runs {@code done} once it is dealt with: a registration
     * stored (or refused); a mailbox event's pushes all answered (or none needed). When routing fails (the store is
     * down) the event is routed again a second later, and {@code done} waits. Waits for room when the lane is full:
     * call it from a thread of its own, never from an event loop. Returns without queueing once the router closes
     * (the event stays in its durable queue, replayed after the restart).
     */
    public void acceptTracked(final IntakeEvent event, final Runnable done) {
        final RouteJob job = new RouteJob(event, null, done);
        lanes.put(laneKey(event), job);
    }

    private boolean enqueue(final RouteJob job) {
        final String user = laneKey(job.event());
        return user == null ? lanes.offerMail(job) : lanes.offerRegistration(user, job);
    }

    /** The folded user for a registration's or subscription's lane, {@code null} for the mail lane. */
    private String laneKey(final IntakeEvent event) {
        if (event instanceof DeviceRegistration registration) {
            return store.foldUsername(registration.username());
        }
        if (event instanceof DavSubscriptionRequest subscription) {
            // The collection's user (the push key's first half), not the subscriber: so a subscription to a calendar
            // shared by alice is stored before alice's next change to it is routed, as her own are. One device's
            // refreshes of one collection share that user, so they stay in order.
            return store.foldUsername(subscription.mailboxUser());
        }
        return null;
    }

    /** The APNs topic registrations are stored with, which the xapsd API answers a registration with. */
    public String registrationTopic() {
        return registrationTopic;
    }

    /** How many events wait for routing now (both lanes). */
    public int queued() {
        return lanes.mailQueued() + lanes.registrationsQueued();
    }

    @Override
    public boolean nearlyFull() {
        return lanes.nearlyFull();
    }

    @Override
    public boolean drained() {
        return lanes.drained();
    }

    /** How many mailbox events wait for routing now. */
    public int mailQueued() {
        return lanes.mailQueued();
    }

    /** How many registrations wait for routing now. */
    public int registrationsQueued() {
        return lanes.registrationsQueued();
    }

    /**
     * Routes one event on the calling thread, as the routing thread would (for tests and tools). Store failures are
     * logged and returned, never thrown.
     */
    public RouteOutcome route(final IntakeEvent event) {
        final CompletableFuture<RouteOutcome> outcome = new CompletableFuture<>();
        final RouteJob job = new RouteJob(event, outcome, null);
        if (event instanceof MailboxEvent) {
            routeChanges(List.of(job));
        } else {
            registrations.storeRegistrations(List.of(job));
        }
        return outcome.getNow(RouteOutcome.STORE_FAILED);
    }

    // ---- the routing thread ----------------------------------------------------------------------------------------

    private void routeUntilClosed() {
        while (true) {
            try {
                if (!lanes.awaitMail(1, TimeUnit.SECONDS)) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
                final List<RouteJob> batch = lanes.takeMail(MAIL_BATCH);
                // A registration that came before this mail is stored first, wherever it waits: in its lane (stored
                // here), or in the writing thread's batch (waited for).
                try {
                    registrations.storeRegistrations(lanes.takeRegistrationsOf(mail.owners(batch)));
                    routeChanges(batch);
                } catch (final RuntimeException e) {
                    // A fault here (a listener, a callback) must not end the one thread that routes mail: the batch
                    // is lost (a durable-queue event is delivered again after a restart), the next ones are routed.
                    LOG.error("Routing a batch of {} event(s) failed; routing goes on", batch.size(), e);
                }
            } catch (final InterruptedException e) {
                return;
            }
        }
    }

    private void writeUntilClosed() {
        while (true) {
            try {
                if (!lanes.awaitRegistrations(1, TimeUnit.SECONDS)) {
                    if (closing) {
                        return;
                    }
                    continue;
                }
            } catch (final InterruptedException e) {
                return;
            }
            try {
                registrations.storeRegistrations(lanes.takeRegistrations(REGISTRATION_BATCH));
            } catch (final RuntimeException e) {
                LOG.error("Storing a batch of registrations and subscriptions failed; writing goes on", e);
            } finally {
                lanes.doneWriting();
            }
        }
    }

    /**
     * Routes mailbox events by their mailbox's type: mail to {@link MailRouting}, calendars and address books to
     * {@link DavRouting}, other types (attachments, notes) nowhere.
     */
    private void routeChanges(final List<RouteJob> batch) {
        final List<RouteJob> mailChanges = new ArrayList<>(batch.size());
        final List<RouteJob> davChanges = new ArrayList<>();
        for (final RouteJob job : batch) {
            switch (((MailboxEvent) job.event()).mailboxType()) {
                case MAIL -> mailChanges.add(job);
                case CALENDAR, ADDRESSBOOK -> davChanges.add(job);
                case OTHER -> outcomes.finish(job, RouteOutcome.IGNORED);
            }
        }
        if (!mailChanges.isEmpty()) {
            mail.routeMail(mailChanges);
        }
        if (!davChanges.isEmpty()) {
            dav.routeChanges(davChanges);
        }
    }

    /** How many events routing has finished with this outcome, since start. */
    public long routed(final RouteOutcome outcome) {
        return outcomes.routed(outcome);
    }

    /** Routing failed for this job: a durable-queue event is routed again later, others are told. */
    private void failed(final RouteJob job) {
        if (job.done() == null) {
            outcomes.finish(job, RouteOutcome.STORE_FAILED);
            return;
        }
        try {
            retries.schedule(() -> acceptTracked(job.event(), job.done()), 1, TimeUnit.SECONDS);
        } catch (final RejectedExecutionException e) {
            // Closing: the event stays in its durable queue and is replayed after the restart.
        }
    }

    // ---- shutdown ------------------------------------------------------------------------------------------------

    /** Stops taking events, routes what is queued for up to {@code drainTimeout}, then stops. */
    public void close(final Duration drainTimeout) {
        retries.shutdownNow();
        closing = true;
        lanes.close();
        final long deadline = System.nanoTime() + drainTimeout.toNanos();
        try {
            routing.join(Math.max(1, drainTimeout.toMillis()));
            writing.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (routing.isAlive() || writing.isAlive()) {
            routing.interrupt();
            writing.interrupt();
            final int abandoned = lanes.drainAll().size();
            LOG.warn("Event router stopped with {} event(s) not routed", abandoned);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
