package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeBacklog;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Where an event is routed: a registration is stored, a mailbox event is matched to the registrations of the
 * mailbox's owner that watch that mailbox, and each match goes to the {@link PushDispatcher}.
 *
 * <p>Threading: intake doors call {@link #accept} on their I/O threads; it only queues ({@link RoutingLanes}: mail
 * and registrations in lanes of their own, each bounded) and never blocks. Two threads take work in batches, so
 * that the store is asked once per batch, not once per event: the routing thread looks up the owners of up to
 * {@value #MAIL_BATCH} mailbox events at once ({@link RegistrationStore#registrationsOfUsers}); the writing thread
 * stores up to about {@value #REGISTRATION_BATCH} registrations in one group commit
 * ({@link RegistrationStore#registerAll}). So a burst of registrations never holds new mail behind a commit; and a
 * user's registrations that came first are stored before that user's mail is routed (the routing thread stores
 * those still queued itself, and waits for the writing thread's commit when it holds some), so a device that
 * registered is pushed for mail that came after it.
 * When a lane is full the new event is dropped and reported to {@link IntakeListener#eventShed}: the door stays
 * responsive and memory stays flat. Doors that must answer their sender with the outcome use
 * {@link #submit}, which queues the same way and completes when the event has been routed; the durable queue uses
 * {@link #acceptTracked}, which waits for room instead of shedding.</p>
 *
 * <p>Lifecycle: the routing and writing threads start with the router; {@link #close(Duration)} stops taking
 * events, routes and stores what is queued for up to the drain timeout, then stops.</p>
 */
public final class EventRouter implements Consumer<IntakeEvent>, IntakeBacklog, AutoCloseable {

    /** Mailbox events routed per round, their owners looked up at once. */
    static final int MAIL_BATCH = 500;
    /** Registrations stored per group commit, in one transaction. */
    static final int REGISTRATION_BATCH = 200;

    private static final Logger LOG = LoggerFactory.getLogger(EventRouter.class);

    /** One event waiting, with whoever waits for its outcome. */
    private record Job(IntakeEvent event, CompletableFuture<RouteOutcome> outcome, Runnable done) {
    }

    private final RegistrationStore store;
    private final PushDispatcher dispatcher;
    private final IntakeListener listener;
    private final String registrationTopic;
    private final Clock clock;
    private final RoutingLanes<Job> lanes;
    private final Thread routing;
    /** Stores registrations, so that a group commit never holds mail back (the routing thread's job). */
    private final Thread writing;
    private volatile boolean closing;
    private final java.util.concurrent.atomic.LongAdder[] routed = new java.util.concurrent.atomic.LongAdder[
            RouteOutcome.values().length];
    /** Routes durable-queue events again after a store failure; one thread, scheduled, never busy for long. */
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        final Thread thread = new Thread(runnable, "event-router-retry");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * As {@link #EventRouter(RegistrationStore, PushDispatcher, IntakeListener, String, int, int, Clock)}, both lanes
     * alike.
     */
    public EventRouter(final RegistrationStore store, final PushDispatcher dispatcher, final IntakeListener listener,
                       final String registrationTopic, final int queueCapacity, final Clock clock) {
        this(store, dispatcher, listener, registrationTopic, queueCapacity, queueCapacity, clock);
    }

    /**
     * Starts the routing and writing threads.
     *
     * @param registrationTopic    the APNs topic new registrations are answered with (the mail credential's topic)
     * @param mailCapacity         how many mailbox events may wait for routing
     * @param registrationCapacity how many registrations may wait
     */
    public EventRouter(final RegistrationStore store, final PushDispatcher dispatcher, final IntakeListener listener,
                       final String registrationTopic, final int mailCapacity, final int registrationCapacity,
                       final Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.registrationTopic = registrationTopic;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lanes = new RoutingLanes<>(mailCapacity, registrationCapacity);
        for (int i = 0; i < routed.length; i++) {
            routed[i] = new java.util.concurrent.atomic.LongAdder();
        }
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
        if (!enqueue(new Job(event, null, null))) {
            routed[RouteOutcome.SHED.ordinal()].increment();
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
        if (!enqueue(new Job(event, outcome, null))) {
            routed[RouteOutcome.SHED.ordinal()].increment();
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
        final Job job = new Job(event, null, done);
        lanes.put(laneKey(event), job);
    }

    private boolean enqueue(final Job job) {
        final String user = laneKey(job.event());
        return user == null ? lanes.offerMail(job) : lanes.offerRegistration(user, job);
    }

    /** The folded user for a registration's lane, {@code null} for the mail lane. */
    private String laneKey(final IntakeEvent event) {
        return event instanceof DeviceRegistration registration ? store.foldUsername(registration.username()) : null;
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
        final Job job = new Job(event, outcome, null);
        if (event instanceof DeviceRegistration) {
            storeRegistrations(List.of(job));
        } else {
            routeMail(List.of(job));
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
                final List<Job> mail = lanes.takeMail(MAIL_BATCH);
                // A registration that came before this mail is stored first, wherever it waits: in its lane (stored
                // here), or in the writing thread's batch (waited for).
                storeRegistrations(lanes.takeRegistrationsOf(owners(mail)));
                routeMail(mail);
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
                storeRegistrations(lanes.takeRegistrations(REGISTRATION_BATCH));
            } finally {
                lanes.doneWriting();
            }
        }
    }

    private Set<String> owners(final List<Job> mail) {
        final Set<String> owners = new LinkedHashSet<>();
        for (final Job job : mail) {
            if (job.event() instanceof MailboxEvent change) {
                owners.add(store.foldUsername(change.owner()));
            }
        }
        return owners;
    }

    private void storeRegistrations(final List<Job> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        final List<Registration> registrations = new ArrayList<>(jobs.size());
        for (final Job job : jobs) {
            final DeviceRegistration device = (DeviceRegistration) job.event();
            registrations.add(Registration.of(device.username(), device.accountId(), device.deviceToken(),
                    device.subtopic(), device.apsVersion(), device.mailboxes(), registrationTopic, clock.instant()));
        }
        final List<RegistrationStore.RegisterResult> results;
        try {
            results = store.registerAll(registrations);
        } catch (final RuntimeException e) {
            LOG.error("Token store failed while storing {} registration(s): {}", jobs.size(), e.getMessage());
            jobs.forEach(this::failed);
            return;
        }
        for (int i = 0; i < jobs.size(); i++) {
            final Job job = jobs.get(i);
            final DeviceRegistration device = (DeviceRegistration) job.event();
            final RegistrationStore.RegisterResult result = results.get(i);
            if (result.refused() != null) {
                listener.badInput(device.source(), BadInputException.refusedRegistration(
                        BadInputKind.TOO_MANY_DEVICES, "device " + DeviceTokens.mask(device.deviceToken())
                                + " refused: " + result.refused().getMessage()));
                finish(job, RouteOutcome.REFUSED);
            } else {
                LOG.info("Device {} of {} {} for {}", DeviceTokens.mask(device.deviceToken()), device.username(),
                        result.outcome() == RegistrationStore.RegisterOutcome.ADDED ? "registered" : "re-registered",
                        device.mailboxes());
                finish(job, RouteOutcome.REGISTERED);
            }
        }
    }

    private void routeMail(final List<Job> jobs) {
        final List<Job> changes = new ArrayList<>(jobs.size());
        final Set<String> owners = new LinkedHashSet<>();
        for (final Job job : jobs) {
            final MailboxEvent change = (MailboxEvent) job.event();
            if (change.type().kind() != EventType.Kind.NEW_MAIL
                    && change.type().kind() != EventType.Kind.MAILBOX_CHANGE) {
                finish(job, RouteOutcome.IGNORED);
            } else {
                changes.add(job);
                owners.add(change.owner());
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        final Map<String, List<Registration>> byOwner;
        try {
            byOwner = store.registrationsOfUsers(owners);
        } catch (final RuntimeException e) {
            LOG.error("Token store failed while routing {} event(s): {}", changes.size(), e.getMessage());
            changes.forEach(this::failed);
            return;
        }
        for (final Job job : changes) {
            try {
                dispatch(job, byOwner.getOrDefault(((MailboxEvent) job.event()).owner(), List.of()));
            } catch (final RuntimeException e) {
                LOG.error("Could not route a {} event", job.event().type().wireName(), e);
                finish(job, RouteOutcome.STORE_FAILED);
            }
        }
    }

    /**
     * Hands the pushes for one event to the dispatcher and finishes the job: at once, or, for a durable-queue event
     * with pushes, when their answers came ({@code done} waits for them).
     */
    private void dispatch(final Job job, final List<Registration> ownersRegistrations) {
        final MailboxEvent change = (MailboxEvent) job.event();
        final List<Registration> watching = new ArrayList<>(ownersRegistrations.size());
        for (final Registration registration : ownersRegistrations) {
            if (registration.mailboxes().contains(change.mailbox())) {
                watching.add(registration);
            }
        }
        if (watching.isEmpty()) {
            LOG.debug("{} in {} of {}: no registered device watches it", change.type().wireName(), change.mailbox(),
                    change.owner());
            finish(job, ownersRegistrations.isEmpty() ? RouteOutcome.UNKNOWN_USER : RouteOutcome.NOT_WATCHED);
            return;
        }
        if (job.done() == null) {
            for (final Registration registration : watching) {
                dispatcher.dispatch(new PushIntent(registration, change));
            }
            finish(job, RouteOutcome.DISPATCHED);
            return;
        }
        final Runnable done = job.done();
        final AtomicInteger outstanding = new AtomicInteger(watching.size());
        final Runnable onePushed = () -> {
            if (outstanding.decrementAndGet() == 0) {
                done.run();
            }
        };
        for (final Registration registration : watching) {
            dispatcher.dispatch(new PushIntent(registration, change), onePushed);
        }
        routed[RouteOutcome.DISPATCHED.ordinal()].increment();
        if (job.outcome() != null) {
            job.outcome().complete(RouteOutcome.DISPATCHED);
        }
    }

    /** The job is done: counted, and whoever waits is told. */
    private void finish(final Job job, final RouteOutcome result) {
        routed[result.ordinal()].increment();
        if (job.outcome() != null) {
            job.outcome().complete(result);
        }
        if (job.done() != null) {
            job.done().run();
        }
    }

    /** How many events routing has finished with this outcome, since start. */
    public long routed(final RouteOutcome outcome) {
        return routed[outcome.ordinal()].sum();
    }

    /** Routing failed for this job: a durable-queue event is routed again later, others are told. */
    private void failed(final Job job) {
        if (job.done() == null) {
            finish(job, RouteOutcome.STORE_FAILED);
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
