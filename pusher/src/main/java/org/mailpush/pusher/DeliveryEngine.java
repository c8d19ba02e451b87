package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import org.mailpush.pusher.PushCoalescer.Decision;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pusher's engine: takes push requests through the {@link PushCoalescer}, queues deliveries per credential,
 * keeps at most {@code maxInFlight} requests in flight per credential (Pushy's own buffer has no bound), sends them,
 * and acts on each answer by Apple's reason: retry with back-off (Resilience4j retry, within the push's expiry),
 * remove the registration, disable the credential, or finish.
 *
 * <p>Threading: all state (coalescer, queues, counts) is guarded by one lock, held only for bookkeeping; requests
 * are started and answers handled outside it. Answers are handled on Pushy's I/O thread, except those that need the
 * store (removing a registration), which move to the {@code apns-results} thread so the event loop never waits for
 * the database; coalescing windows and back-off delays run on the {@code pusher-timers} thread. Every queue is bounded
 * by the coalescer's capacity: one delivery and one timer per
 * device at most.</p>
 */
final class DeliveryEngine {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryEngine.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final PushCoalescer coalescer;
    private final List<CredentialSlot> slots;
    private volatile Map<String, CredentialSlot> slotsByTopic;
    private final RegistrationStore registrations;
    private final Duration expiration;
    private final Clock clock;
    private final PushListener listener;
    private final PusherCounters counters;
    private final ScheduledExecutorService timers;
    private final ExecutorService results;
    private final java.util.function.LongSupplier ticker;
    /** Uniform in [0, 1): spreads the pushes a closing breaker releases. */
    private final java.util.function.DoubleSupplier jitter;
    /** Deliveries not finished; direct sends also in {@link #activeDirect} so shutdown can answer their futures. */
    private int active;
    private final Set<Delivery> activeDirect = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Set when a shutdown gave up on every delivery still active: their late answers are ignored. */
    private boolean abandonedAll;
    private boolean closed;

    DeliveryEngine(final PushCoalescer coalescer, final List<CredentialSlot> slots,
            final RegistrationStore registrations,
                   final Duration expiration, final Clock clock, final PushListener listener,
                   final PusherCounters counters, final ScheduledExecutorService timers, final ExecutorService results,
                   final java.util.function.LongSupplier ticker, final java.util.function.DoubleSupplier jitter) {
        this.coalescer = coalescer;
        this.slots = List.copyOf(slots);
        this.registrations = registrations;
        this.expiration = expiration;
        this.clock = clock;
        this.listener = listener;
        this.counters = counters;
        this.timers = timers;
        this.results = results;
        this.ticker = ticker;
        this.jitter = jitter;
        indexSlots();
    }

    List<CredentialSlot> slots() {
        return slots;
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
            for (final CredentialSlot slot : slots) {
                total += slot.inFlight;
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    SubmitOutcome submit(final Registration registration, final PushKind kind, final long eventReceivedAt,
                         final Runnable onCovered) {
        counters.submitted.increment();
        final List<Delivery> toStart;
        final SubmitOutcome outcome;
        lock.lock();
        try {
            if (closed) {
                counters.shed.increment();
                runQuietly(onCovered);
                return SubmitOutcome.CLOSED;
            }
            final Decision decision = coalescer.offer(registration, kind, ticker.getAsLong());
            if (decision.entry() != null) {
                decision.entry().pendingSince = Math.min(decision.entry().pendingSince, eventReceivedAt);
                if (onCovered != null) {
                    if (decision.entry().waiting == null) {
                        decision.entry().waiting = new ArrayList<>(2);
                    }
                    decision.entry().waiting.add(onCovered);
                }
            } else {
                // Shed by policy (too many devices pending): nothing more will happen for this event.
                runQuietly(onCovered);
            }
            switch (decision.action()) {
                case SEND_NOW -> {
                    enqueue(newDelivery(decision.entry().registration, decision.entry(), null));
                    outcome = SubmitOutcome.QUEUED;
                }
                case SEND_NOW_MERGED -> {
                    counters.coalesced.increment();
                    cancelTimer(decision.entry());
                    final Delivery merged = newDelivery(decision.entry().registration, decision.entry(), null);
                    merged.waited = true; // it covers events that waited for a window
                    enqueue(merged);
                    outcome = SubmitOutcome.QUEUED;
                }
                case SCHEDULE -> {
                    schedule(decision.entry(), decision.dueAt());
                    outcome = SubmitOutcome.QUEUED;
                }
                case NOTHING -> outcome = SubmitOutcome.QUEUED;
                case COALESCED -> {
                    counters.coalesced.increment();
                    outcome = SubmitOutcome.COALESCED;
                }
                case SHED -> {
                    counters.shed.increment();
                    outcome = SubmitOutcome.SHED;
                }
                default -> throw new IllegalStateException("unexpected " + decision.action());
            }
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
        return outcome;
    }

    /** A push outside coalescing (an admin's test push): through the same queues, limits and policy. */
    CompletableFuture<PushResult> send(final Registration registration) {
        final CompletableFuture<PushResult> future = new CompletableFuture<>();
        final List<Delivery> toStart;
        lock.lock();
        try {
            if (closed) {
                future.completeExceptionally(new IllegalStateException("the pusher is closed"));
                return future;
            }
            enqueue(newDelivery(registration, null, future));
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
        return future;
    }

    // ---- under the lock ------------------------------------------------------------------------------------------

    private Delivery newDelivery(final Registration registration, final PushCoalescer.Entry entry,
                                 final CompletableFuture<PushResult> future) {
        final long now = ticker.getAsLong();
        final Delivery delivery = new Delivery(registration, entry, future, clock.instant().plus(expiration), now);
        if (entry != null) {
            // This push covers every event taken in so far; later ones wait for the next.
            delivery.eventReceivedAt = entry.pendingSince == Long.MAX_VALUE ? now : entry.pendingSince;
            entry.pendingSince = Long.MAX_VALUE;
            delivery.covered = entry.waiting;
            entry.waiting = null;
        }
        delivery.slot = slotFor(registration);
        active++;
        if (future != null) {
            activeDirect.add(delivery);
        }
        return delivery;
    }

    private void enqueue(final Delivery delivery) {
        delivery.slot.ready.add(delivery);
    }

    /**
     * Takes what may go now from each credential's ready queue: up to its in-flight bound, and only what its circuit
     * breaker permits. An open breaker keeps the rest queued (no attempt is spent on it) and a wake-up is set for
     * when it lets a probe through; half open, only its probes go, and their answers pump again.
     */
    private List<Delivery> pumpAll() {
        List<Delivery> toStart = List.of();
        for (final CredentialSlot slot : slots) {
            while (slot.inFlight < slot.maxInFlight && !slot.ready.isEmpty()) {
                if (slot.usable() && !slot.breaker.tryAcquirePermission()) {
                    wakeUpWhenOpenEnds(slot);
                    break;
                }
                final Delivery delivery = slot.ready.poll();
                delivery.probe = slot.breaker.getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker
                        .State.HALF_OPEN;
                slot.inFlight++;
                if (delivery.entry != null) {
                    coalescer.started(delivery.entry);
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
     * The breaker is open with deliveries waiting (queued, or backing off): pump again when its open period ends.
     * If none is queued by then, the first of those backing off go early, as the probes: else nothing would tell
     * the breaker that APNs is back until a back-off ran out, minutes later.
     */
    private void wakeUpWhenOpenEnds(final CredentialSlot slot) {
        if (slot.wakeUp != null || slot.breaker.getState() != io.github.resilience4j.circuitbreaker.CircuitBreaker
                .State.OPEN || slot.ready.isEmpty() && slot.backingOff.isEmpty()) {
            return; // set already; half open, where the probes' answers pump; or nothing waits
        }
        counters.circuitOpenRefusals.add(slot.ready.size());
        final long delay = Math.max(1, slot.openPeriods.openUntil() - clock.millis() + 1);
        slot.wakeUp = timers.schedule(() -> {
            final List<Delivery> toStart;
            lock.lock();
            try {
                slot.wakeUp = null;
                if (slot.ready.isEmpty()) {
                    slot.backingOff.stream()
                            .sorted(java.util.Comparator.comparingLong(d -> d.backOff.getDelay(TimeUnit.NANOSECONDS)))
                            .limit(PROBES).toList()
                            .forEach(probe -> {
                                probe.backOff.cancel(false);
                                probe.backOff = null;
                                slot.backingOff.remove(probe);
                                enqueue(probe);
                            });
                }
                toStart = pumpAll();
            } finally {
                lock.unlock();
            }
            startAll(toStart);
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Requests a half-open breaker lets through to probe (its {@code permittedNumberOfCallsInHalfOpenState}). */
    static final int PROBES = 3;

    /**
     * A probe failed retryably (APNs still down; the breaker is open again): back to the head of the queue, held
     * until the next probe, spending none of its attempts, so that an outage of any length costs a push nothing
     * but its expiry.
     */
    private void holdAfterProbe(final Delivery delivery) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            delivery.slot.inFlight--;
            delivery.probe = false;
            if (delivery.entry != null && coalescer.retrying(delivery.entry)) {
                counters.coalesced.increment();
            }
            delivery.slot.ready.addFirst(delivery);
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
    }

    /**
     * The breaker closed: APNs answers again. What backs off after failing meanwhile goes now, each within a second
     * (at random, so they do not all arrive in one instant), bounded by the in-flight limit as ever.
     */
    private void releaseBackingOff(final CredentialSlot slot) {
        lock.lock();
        try {
            for (final Delivery delivery : List.copyOf(slot.backingOff)) {
                if (delivery.backOff.getDelay(TimeUnit.MILLISECONDS) > 1_000) {
                    delivery.backOff.cancel(false);
                    delivery.backOff = timers.schedule(() -> requeue(delivery),
                            (long) (jitter.getAsDouble() * 1_000), TimeUnit.MILLISECONDS);
                }
            }
        } finally {
            lock.unlock();
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
        final List<Delivery> toStart;
        lock.lock();
        try {
            final Decision decision = coalescer.timerFired(entry, ticker.getAsLong());
            if (decision.action() == PushCoalescer.Action.SEND_NOW) {
                final Delivery delivery = newDelivery(entry.registration, entry, null);
                delivery.waited = true;
                enqueue(delivery);
            }
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
    }

    private void requeue(final Delivery delivery) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            if (!delivery.slot.backingOff.remove(delivery) || abandonedAll) {
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

    // ---- sending, outside the lock -------------------------------------------------------------------------------

    private void startAll(final List<Delivery> deliveries) {
        for (final Delivery delivery : deliveries) {
            attempt(delivery);
        }
    }

    private void attempt(final Delivery delivery) {
        final CredentialSlot slot = delivery.slot;
        if (!slot.usable()) {
            results.execute(() -> answered(delivery, Attempt.credentialDisabled(slot.problem()), false));
            return;
        }
        // The breaker's permission was taken when the delivery left the ready queue (pumpAll).
        delivery.attempts++;
        counters.requests.increment();
        final long started = ticker.getAsLong();
        if (delivery.attempts == 1 && delivery.entry != null) {
            try {
                listener.requestSent(Duration.ofNanos(started - delivery.eventReceivedAt), delivery.waited);
            } catch (final RuntimeException e) {
                LOG.warn("Push listener failed", e);
            }
        }
        final SimpleApnsPushNotification notification = new SimpleApnsPushNotification(
                delivery.registration.deviceToken(), slot.topic(),
                MailPayload.forAccount(delivery.registration.accountId()), delivery.expiresAt, null,
                PushType.BACKGROUND, null, null);
        try {
            // Answers are handled on Pushy's I/O thread: bookkeeping only; the one blocking step (removing a
            // registration) moves to the results thread.
            slot.client().sendNotification(notification).whenComplete(
                    (response, error) -> answered(delivery, attemptOf(response, error, started), true));
        } catch (final RuntimeException e) {
            results.execute(() -> answered(delivery, attemptOf(null, e, started), true));
        }
    }

    private Attempt attemptOf(final PushNotificationResponse<SimpleApnsPushNotification> response,
                              final Throwable error, final long started) {
        final Duration roundTrip = Duration.ofNanos(ticker.getAsLong() - started);
        if (error != null || response == null) {
            return new Attempt(ApnsVerdict.RETRYABLE, 0, null, null, error, roundTrip);
        }
        final String reason = response.getRejectionReason().orElse(null);
        return new Attempt(ResponsePolicy.classify(response.getStatusCode(), reason), response.getStatusCode(),
                reason, response.getTokenInvalidationTimestamp().orElse(null), null, roundTrip);
    }

    // ---- answers, on the results thread --------------------------------------------------------------------------

    private void answered(final Delivery delivery, final Attempt attempt, final boolean sent) {
        final CredentialSlot slot = delivery.slot;
        if (sent) {
            final long nanos = attempt.roundTrip().toNanos();
            try {
                listener.attemptAnswered(attempt.status(), attempt.roundTrip());
            } catch (final RuntimeException e) {
                LOG.warn("Push listener failed", e);
            }
            if (attempt.verdict() == ApnsVerdict.RETRYABLE) {
                slot.breaker.onError(nanos, TimeUnit.NANOSECONDS, new ApnsUnavailableException(attempt));
            } else {
                slot.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            }
            logBreakerTransition(slot);
        }
        if (attempt.failure() != null) {
            counters.transportFailures.increment();
        }
        if (attempt.answered() && attempt.verdict() != ApnsVerdict.ACCEPTED) {
            counters.countRejection(attempt.reason() != null ? attempt.reason() : "HTTP " + attempt.status());
        }
        switch (attempt.verdict()) {
            case RETRYABLE -> {
                if (delivery.probe && clock.instant().isBefore(delivery.expiresAt)) {
                    holdAfterProbe(delivery);
                } else {
                    retryOrGiveUp(delivery, attempt);
                }
            }
            case REFRESH_PROVIDER_TOKEN -> {
                // Pushy closes this connection and signs a fresh JWT on the next one: send again almost at once
                // (from the timer thread, so the close on this I/O thread happens first), once; then back off.
                if (delivery.providerTokenRefreshes++ == 0) {
                    retry(delivery, 1);
                } else {
                    retryOrGiveUp(delivery, attempt);
                }
            }
            case CREDENTIAL_INVALID -> {
                if (attempt.answered() && slot.usable()) {
                    slot.disable("APNs refused the credential: " + attempt.status() + " " + attempt.reason());
                    LOG.error("APNs refused the credential for topic {} ({}): {} {}. Pushes with it stop until the"
                                    + " credential file is replaced.", slot.topic(), slot.credential().source(),
                            attempt.status(), attempt.reason());
                }
                finish(delivery, attempt, false);
            }
            case TOKEN_INVALID -> results.execute(
                    () -> finish(delivery, attempt, remove(delivery.registration, attempt)));
            case ACCEPTED -> finish(delivery, attempt, false);
            case PERMANENT -> {
                LOG.warn("APNs refused the push to {} of {} for good: {} {} (a configuration problem?)",
                        DeviceTokens.mask(delivery.registration.deviceToken()), delivery.registration.username(),
                        attempt.status(), attempt.reason());
                finish(delivery, attempt, false);
            }
            default -> throw new IllegalStateException("unknown verdict " + attempt.verdict());
        }
    }

    private void logBreakerTransition(final CredentialSlot slot) {
        final io.github.resilience4j.circuitbreaker.CircuitBreaker.State changed = slot.stateChange();
        if (changed == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN) {
            LOG.warn("Circuit breaker for topic {} opened: APNs failing ({}% of recent requests); requests pause for"
                    + " {} ms, then a few probe", slot.topic(), Math.round(slot.breaker.getMetrics().getFailureRate()),
                    Math.max(0, slot.openPeriods.openUntil() - clock.millis()));
        } else if (changed == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED) {
            LOG.info("Circuit breaker for topic {} closed: APNs answers again", slot.topic());
            releaseBackingOff(slot);
        } else if (changed != null) {
            LOG.info("Circuit breaker for topic {} is {}", slot.topic(), changed);
        }
    }

    private void retryOrGiveUp(final Delivery delivery, final Attempt attempt) {
        if (delivery.retry == null) {
            // Created at the first failure only: most pushes never need one, and the I/O thread is the hot path.
            delivery.retry = delivery.slot.retry.asyncContext();
        }
        final long delay = delivery.retry.onResult(attempt);
        if (delay >= 0 && clock.instant().plusMillis(delay).isBefore(delivery.expiresAt)) {
            retry(delivery, delay);
        } else {
            LOG.warn("Gave up pushing to {} of {} after {} attempt(s): {}",
                    DeviceTokens.mask(delivery.registration.deviceToken()), delivery.registration.username(),
                    delivery.attempts, attempt.failure() != null ? attempt.failure().toString()
                            : attempt.status() + " " + attempt.reason());
            finish(delivery, attempt, false);
        }
    }

    private void retry(final Delivery delivery, final long delayMillis) {
        counters.retried.increment();
        final List<Delivery> toStart;
        lock.lock();
        try {
            delivery.slot.inFlight--;
            if (delivery.entry != null && coalescer.retrying(delivery.entry)) {
                counters.coalesced.increment();
            }
            // Set under the lock, before anything else runs: a breaker that closes meanwhile finds it.
            delivery.slot.backingOff.add(delivery);
            delivery.backOff = timers.schedule(() -> requeue(delivery), delayMillis, TimeUnit.MILLISECONDS);
            // A failure that opened the breaker with nothing queued (all backing off) sets no wake-up in pumpAll:
            // set it here, so that probes go when the open period ends, not when the first back-off does.
            wakeUpWhenOpenEnds(delivery.slot);
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
    }

    private boolean remove(final Registration registration, final Attempt attempt) {
        final Instant invalidatedAt = attempt.tokenInvalidatedAt() != null ? attempt.tokenInvalidatedAt()
                : clock.instant();
        try {
            final boolean removed = registrations.removeUnlessRegisteredAfter(registration.key(), invalidatedAt);
            if (removed) {
                counters.registrationsRemoved.increment();
                LOG.info("Removed device {} of {}: APNs says {}", DeviceTokens.mask(registration.deviceToken()),
                        registration.username(), attempt.reason());
            } else {
                LOG.info("Kept device {} of {} despite APNs {}: it re-registered after {}",
                        DeviceTokens.mask(registration.deviceToken()), registration.username(), attempt.reason(),
                        invalidatedAt);
            }
            return removed;
        } catch (final TokenStoreException e) {
            LOG.error("Could not remove device {} of {} after APNs {}: {}",
                    DeviceTokens.mask(registration.deviceToken()), registration.username(), attempt.reason(),
                    e.getMessage());
            return false;
        }
    }

    private void finish(final Delivery delivery, final Attempt attempt, final boolean registrationRemoved) {
        final List<Delivery> toStart;
        lock.lock();
        try {
            delivery.slot.inFlight--;
            if (abandonedAll) {
                // Abandoned by a shutdown that timed out; already counted and answered.
                return;
            }
            active--;
            if (delivery.future != null) {
                activeDirect.remove(delivery);
            }
            if (delivery.entry != null) {
                final Decision next = coalescer.completed(delivery.entry, ticker.getAsLong(), registrationRemoved);
                if (next.action() == PushCoalescer.Action.SCHEDULE) {
                    schedule(next.entry(), next.dueAt());
                }
            }
            toStart = pumpAll();
            if (active == 0 && closed) {
                drained.signalAll();
            }
        } finally {
            lock.unlock();
        }
        startAll(toStart);
        if (delivery.retry != null) {
            delivery.retry.onComplete();
        }
        if (attempt.verdict() == ApnsVerdict.ACCEPTED) {
            counters.accepted.increment();
        } else if (attempt.verdict() == ApnsVerdict.RETRYABLE || !attempt.answered()) {
            counters.abandoned.increment();
        }
        final long now = ticker.getAsLong();
        final PushResult result = new PushResult(delivery.registration, attempt.verdict(), attempt.status(),
                attempt.reason(), attempt.tokenInvalidatedAt(), attempt.failure(), registrationRemoved,
                Duration.ofNanos(now - delivery.createdAt), delivery.attempts,
                delivery.entry == null ? null : Duration.ofNanos(now - delivery.eventReceivedAt));
        try {
            listener.pushCompleted(result);
        } catch (final RuntimeException e) {
            LOG.warn("Push listener failed", e);
        }
        if (delivery.covered != null) {
            for (final Runnable done : delivery.covered) {
                runQuietly(done);
            }
        }
        if (delivery.future != null) {
            delivery.future.complete(result);
        }
    }

    // ---- credentials ---------------------------------------------------------------------------------------------

    private CredentialSlot slotFor(final Registration registration) {
        final CredentialSlot slot = registration.topic() == null ? null : slotsByTopic.get(registration.topic());
        return slot != null ? slot : slots.get(0);
    }

    private void indexSlots() {
        final Map<String, CredentialSlot> index = new LinkedHashMap<>();
        for (final CredentialSlot slot : slots) {
            index.putIfAbsent(slot.topic(), slot);
        }
        slotsByTopic = index;
    }

    /** Puts a reloaded credential in place; requests already sent finish on the old client, which then closes. */
    void replace(final CredentialSlot slot, final org.mailpush.pusher.credentials.ApnsCredential credential,
                 final ApnsClient client) {
        final ApnsClient old;
        lock.lock();
        try {
            old = slot.replace(credential, client);
            indexSlots();
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
        final List<Delivery> toStart;
        lock.lock();
        try {
            closed = true;
            for (final PushCoalescer.Entry entry : coalescer.flush()) {
                cancelTimer(entry);
                final Delivery flushed = newDelivery(entry.registration, entry, null);
                flushed.waited = true;
                enqueue(flushed);
            }
            toStart = pumpAll();
        } finally {
            lock.unlock();
        }
        startAll(toStart);
        final int abandoned;
        final List<Delivery> direct;
        lock.lock();
        try {
            long remaining = timeout.toNanos();
            while (active > 0 && remaining > 0) {
                remaining = drained.awaitNanos(remaining);
            }
            abandoned = active;
            direct = new ArrayList<>(activeDirect);
            abandonedAll = true;
            active = 0;
            activeDirect.clear();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            lock.unlock();
        }
        counters.abandoned.add(abandoned);
        for (final Delivery delivery : direct) {
            delivery.future.complete(new PushResult(delivery.registration, ApnsVerdict.RETRYABLE, 0, "Shutdown", null,
                    null, false, Duration.ofNanos(ticker.getAsLong() - delivery.createdAt), delivery.attempts, null));
        }
        return abandoned;
    }

    /** Recorded by the circuit breaker as a failure: APNs did not serve the request. */
    static final class ApnsUnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        ApnsUnavailableException(final Attempt attempt) {
            super(attempt.failure() != null ? attempt.failure().toString() : attempt.status() + " " + attempt.reason(),
                    null, false, false);
        }
    }

    private static void runQuietly(final Runnable callback) {
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
