package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import org.mailpush.pusher.PushCoalescer.Decision;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushTarget;
import org.mailpush.store.RegistrationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The pusher's engine: takes push requests through the {@link PushCoalescer}, queues deliveries per credential
 * ({@link CredentialSlots}), keeps at most {@code maxInFlight} requests in flight per credential (Pushy's own buffer
 * has no bound), and starts what may go. The rest is done by its parts, one job each: {@link DeliverySender} makes an
 * attempt, {@link AnswerHandler} acts on its answer by Apple's reason, {@link RetryScheduler} backs off and retries
 * (Resilience4j retry, within the push's expiry), {@link BreakerGate} holds and releases deliveries for the circuit
 * breaker, and {@link ActiveDeliveries} counts what is not finished, for shutdown.
 *
 * <p>Mail registrations and calendar/contacts subscriptions ({@link PushTarget}) take the same path; the kind
 * decides the coalescing delay, the payload, the priority and which credential may serve it ({@link CredentialSlots}):
 * a calendar or contacts push whose topic no credential has ends at once, unsent and not retried.</p>
 *
 * <p>Threading: all state (coalescer, queues, counts) is guarded by one lock, the engine's, shared with its parts and
 * held only for bookkeeping; requests are started and answers handled outside it. Answers are handled on Pushy's I/O
 * thread, except those that need the store (removing a registration or a subscription), which move to the
 * {@code apns-results} thread so the event loop never waits for the database; coalescing windows and back-off delays
 * run on the {@code pusher-timers} thread. Every queue is bounded by the coalescer's capacity: one delivery and one
 * timer per target at most. Lifecycle: built by {@link ApnsPusherBuilder}, stopped by {@link #drain}; the pusher
 * owns its threads.</p>
 */
final class DeliveryEngine {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final PushCoalescer coalescer;
    private final CredentialSlots slots;
    private final Duration expiration;
    private final Clock clock;
    private final PusherCounters counters;
    private final ScheduledExecutorService timers;
    private final LongSupplier ticker;
    private final ActiveDeliveries active;
    private final BreakerGate gate;
    private final DeliverySender sender;
    private final AnswerHandler answers;

    /** @param subscriptions where calendar and contacts subscriptions APNs invalidates are removed; may be null */
    DeliveryEngine(final PushCoalescer coalescer, final List<CredentialSlot> slots,
                   final RegistrationStore registrations, final DavSubscriptionStore subscriptions,
                   final PrioritySettings priorities, final Duration expiration, final Clock clock,
                   final PushListener listener, final PusherCounters counters, final ScheduledExecutorService timers,
                   final ExecutorService results, final LongSupplier ticker, final DoubleSupplier jitter) {
        this.coalescer = coalescer;
        this.slots = new CredentialSlots(slots);
        this.expiration = expiration;
        this.clock = clock;
        this.counters = counters;
        this.timers = timers;
        this.ticker = ticker;
        this.active = new ActiveDeliveries(lock, counters, ticker);
        this.gate = new BreakerGate(this, lock, counters, timers, clock, jitter);
        final RetryScheduler retries = new RetryScheduler(this, gate, counters, timers, clock);
        this.answers = new AnswerHandler(this, gate, retries, registrations, subscriptions, listener, counters,
                results, clock, ticker);
        this.sender = new DeliverySender(answers, listener, counters, results, priorities, clock, ticker);
    }

    List<CredentialSlot> slots() {
        return slots.all();
    }

    /** Devices with a push pending (queued, in flight, waiting for a window or a delay). */
    int pending() {
        lock.lock();
        try {
            return coalescer.size();
        } finally {
            lock.unlock();
        }
    }

    /** Requests sent to APNs and not yet answered, over all credentials. */
    int inFlight() {
        lock.lock();
        try {
            int total = 0;
            for (final CredentialSlot slot : slots.all()) {
                total += slot.inFlight;
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @throws IllegalArgumentException when {@code kind} is not one for {@code target}: a mail registration takes
     *                                  {@link PushKind#NEW_MAIL} or {@link PushKind#MAILBOX_CHANGE}, a calendar or
     *                                  contacts subscription only {@link PushKind#COLLECTION_CHANGE}
     */
    SubmitOutcome submit(final PushTarget target, final PushKind kind, final long eventReceivedAt,
                         final Runnable onCovered) {
        final boolean mail = target.kind() == PushTarget.Kind.MAIL;
        if (mail == (kind == PushKind.COLLECTION_CHANGE)) {
            throw new IllegalArgumentException("a " + target.kind().label() + " push cannot be for " + kind + ": "
                    + (mail ? "mail takes NEW_MAIL or MAILBOX_CHANGE" : "calendar and contacts take COLLECTION_CHANGE")
                    + " (" + target + ")");
        }
        counters.submitted.increment();
        counters.of(target.kind()).submitted.increment();
        final List<Delivery> toStart;
        final SubmitOutcome outcome;
        lock.lock();
        try {
            if (active.closed()) {
                counters.shed.increment();
                runQuietly(onCovered);
                return SubmitOutcome.CLOSED;
            }
            if (!mail && slots.serving(target) == null) {
                toStart = null;
                outcome = SubmitOutcome.NO_CREDENTIAL;
            } else {
                outcome = offer(target, kind, eventReceivedAt, onCovered);
                toStart = pumpAll();
            }
        } finally {
            lock.unlock();
        }
        if (outcome == SubmitOutcome.NO_CREDENTIAL) {
            // Outside the lock: the listener and the callback are told at once; nothing is queued or retried.
            answers.noCredential(target, onCovered, null);
        } else {
            startAll(toStart);
        }
        return outcome;
    }

    /** Under the lock: {@code target}'s event through the coalescer, and what its decision asks for. */
    private SubmitOutcome offer(final PushTarget target, final PushKind kind, final long eventReceivedAt,
                                final Runnable onCovered) {
        final Decision decision = coalescer.offer(target, kind, ticker.getAsLong());
        final PushCoalescer.Entry entry = decision.entry();
        if (entry != null) {
            if (target.kind() != PushTarget.Kind.MAIL) {
                // The payload says when the data last changed: the next push to start covers this change.
                entry.lastChange = clock.instant();
            }
            entry.pendingSince = Math.min(entry.pendingSince, eventReceivedAt);
            if (onCovered != null) {
                if (entry.waiting == null) {
                    entry.waiting = new ArrayList<>(2);
                }
                entry.waiting.add(onCovered);
            }
        } else {
            // Shed by policy (too many devices pending): nothing more will happen for this event.
            runQuietly(onCovered);
        }
        switch (decision.action()) {
            case SEND_NOW -> {
                enqueue(newDelivery(entry.target, entry, null));
                return SubmitOutcome.QUEUED;
            }
            case SEND_NOW_MERGED -> {
                counters.coalesced.increment();
                cancelTimer(entry);
                final Delivery merged = newDelivery(entry.target, entry, null);
                merged.waited = true; // it covers events that waited for a window
                enqueue(merged);
                return SubmitOutcome.QUEUED;
            }
            case SCHEDULE -> {
                schedule(entry, decision.dueAt());
                return SubmitOutcome.QUEUED;
            }
            case NOTHING -> {
                return SubmitOutcome.QUEUED;
            }
            case COALESCED -> {
                counters.coalesced.increment();
                return SubmitOutcome.COALESCED;
            }
            case SHED -> {
                counters.shed.increment();
                return SubmitOutcome.SHED;
            }
            default -> throw new IllegalStateException("unexpected " + decision.action());
        }
    }

    /**
     * A push outside coalescing (an admin's test push): through the same queues, limits and policy. A calendar or
     * contacts push whose topic no credential has completes at once ({@link ApnsVerdict#NO_CREDENTIAL}).
     */
    CompletableFuture<PushResult> send(final PushTarget target) {
        final CompletableFuture<PushResult> future = new CompletableFuture<>();
        final List<Delivery> toStart;
        lock.lock();
        try {
            if (active.closed()) {
                future.completeExceptionally(new IllegalStateException("the pusher is closed"));
                return future;
            }
            if (target.kind() != PushTarget.Kind.MAIL && slots.serving(target) == null) {
                toStart = null;
            } else {
                final Delivery delivery = newDelivery(target, null, future);
                delivery.dataChangedAt = clock.instant();
                enqueue(delivery);
                toStart = pumpAll();
            }
        } finally {
            lock.unlock();
        }
        if (toStart == null) {
            answers.noCredential(target, null, future);
        } else {
            startAll(toStart);
        }
        return future;
    }

    // ---- under the lock ------------------------------------------------------------------------------------------

    private Delivery newDelivery(final PushTarget target, final PushCoalescer.Entry entry,
                                 final CompletableFuture<PushResult> future) {
        final long now = ticker.getAsLong();
        final Delivery delivery = new Delivery(target, entry, future, clock.instant().plus(expiration), now);
        if (entry != null) {
            // This push covers every event taken in so far; later ones wait for the next.
            delivery.eventReceivedAt = entry.pendingSince == Long.MAX_VALUE ? now : entry.pendingSince;
            entry.pendingSince = Long.MAX_VALUE;
            delivery.covered = entry.waiting;
            entry.waiting = null;
        }
        final CredentialSlot serving = slots.serving(target);
        // None only for a calendar or contacts push whose credential's topic changed on a reload since it was taken
        // in: it waits in the first queue, and the sender ends it as NO_CREDENTIAL without a request.
        delivery.slot = serving != null ? serving : slots.all().get(0);
        active.added(delivery);
        return delivery;
    }

    /** Under the lock: {@code delivery} waits in its credential's ready queue. */
    void enqueue(final Delivery delivery) {
        delivery.slot.ready.add(delivery);
    }

    /**
     * Under the lock: takes what may go now from each credential's ready queue: up to its in-flight bound, and only
     * what its circuit breaker permits. An open breaker keeps the rest queued (no attempt is spent on it) and a
     * wake-up is set for when it lets a probe through; half open, only its probes go, and their answers pump again.
     */
    private List<Delivery> pumpAll() {
        List<Delivery> toStart = List.of();
        for (final CredentialSlot slot : slots.all()) {
            while (slot.inFlight < slot.maxInFlight && !slot.ready.isEmpty()) {
                if (!gate.letsThrough(slot)) {
                    break;
                }
                final Delivery delivery = slot.ready.poll();
                delivery.probe = gate.probing(slot);
                slot.inFlight++;
                if (delivery.entry != null) {
                    coalescer.started(delivery.entry);
                    if (delivery.entry.lastChange != null) {
                        // Every change taken in so far is covered by this request (a retry's too).
                        delivery.dataChangedAt = delivery.entry.lastChange;
                    }
                }
                if (toStart.isEmpty()) {
                    toStart = new ArrayList<>();
                }
                toStart.add(delivery);
            }
        }
        return toStart;
    }

    /**
     * Under the lock: {@code delivery}'s request failed and it will be sent again, so it leaves its in-flight place;
     * events its coalescer entry took in meanwhile are covered by the retry.
     */
    void backFromFlight(final Delivery delivery) {
        delivery.slot.inFlight--;
        if (delivery.entry != null && coalescer.retrying(delivery.entry)) {
            counters.coalesced.increment();
        }
    }

    private void schedule(final PushCoalescer.Entry entry, final long dueAt) {
        cancelTimer(entry);
        final long delay = Math.max(0, dueAt - ticker.getAsLong());
        entry.timer = timers.schedule(() -> timerFired(entry), delay, TimeUnit.NANOSECONDS);
    }

    private static void cancelTimer(final PushCoalescer.Entry entry) {
        if (entry.timer != null) {
            entry.timer.cancel(false);
            entry.timer = null;
        }
    }

    // ---- on the timer thread -------------------------------------------------------------------------------------

    private void timerFired(final PushCoalescer.Entry entry) {
        pumpAfter(() -> {
            final Decision decision = coalescer.timerFired(entry, ticker.getAsLong());
            if (decision.action() == PushCoalescer.Action.SEND_NOW) {
                final Delivery delivery = newDelivery(entry.target, entry, null);
                delivery.waited = true;
                enqueue(delivery);
            }
        });
    }

    /** A back-off ended: {@code delivery} is queued again. */
    void requeue(final Delivery delivery) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            if (!delivery.slot.backingOff.remove(delivery) || active.abandonedAll()) {
                return; // requeued already (released early by a closing breaker), or abandoned at shutdown
            }
            delivery.backOff = null;
            enqueue(delivery);
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
    }

    // ---- outside the lock ----------------------------------------------------------------------------------------

    /** Runs {@code change} under the lock, then starts, outside it, what may go after it. */
    void pumpAfter(final Runnable change) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            change.run();
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
    }

    /** Outside the lock: makes an attempt of each delivery {@link #pumpAll} took. */
    private void startAll(final List<Delivery> deliveries) {
        for (final Delivery delivery : deliveries) {
            sender.attempt(delivery);
        }
    }

    /**
     * A delivery has its final answer: it leaves its in-flight place and the active count, its coalescer entry is
     * told (which may schedule the device's next push), and what may go now is started.
     *
     * @return {@code false} when a shutdown abandoned it already (it was counted and answered then)
     */
    boolean ended(final Delivery delivery, final boolean targetRemoved) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            delivery.slot.inFlight--;
            if (!active.finished(delivery)) {
                return false;
            }
            if (delivery.entry != null) {
                final Decision next = coalescer.completed(delivery.entry, ticker.getAsLong(), targetRemoved);
                if (next.action() == PushCoalescer.Action.SCHEDULE) {
                    schedule(next.entry(), next.dueAt());
                }
            }
            toStart = pumpAll();
            active.signalIfDrained();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
        return true;
    }

    // ---- credentials ---------------------------------------------------------------------------------------------

    /** Puts a reloaded credential in place; requests already sent finish on the old client, which then closes. */
    void replace(final CredentialSlot slot, final ApnsCredential credential, final ApnsClient client) {
        final ApnsClient old;
        lock.lock();
        try {
            old = slot.replace(credential, client);
            slots.reindex();
        } finally {
            lock.unlock();
        }
        old.close();
    }

    // ---- shutdown ------------------------------------------------------------------------------------------------

    /**
     * Stops taking requests, sends what waits for a window or a delay now, and waits up to {@code timeout} for every
     * delivery to end.
     *
     * @return how many pushes were abandoned (still queued, in flight or waiting to retry at the timeout)
     */
    int drain(final Duration timeout) {
        pumpAfter(() -> {
            active.close();
            for (final PushCoalescer.Entry entry : coalescer.flush()) {
                cancelTimer(entry);
                final Delivery flushed = newDelivery(entry.target, entry, null);
                flushed.waited = true;
                enqueue(flushed);
            }
        });
        return active.awaitOrAbandon(timeout);
    }

    static void runQuietly(final Runnable callback) {
        if (callback == null) {
            return;
        }
        try {
            callback.run();
        } catch (final RuntimeException e) {
            LOG.warn("A push completion callback failed", e);
        }
    }
}
