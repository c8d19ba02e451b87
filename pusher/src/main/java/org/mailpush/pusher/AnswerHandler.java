package org.mailpush.pusher;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;

/**
 * Acts on each attempt's answer by its {@link ApnsVerdict} ({@link ResponsePolicy}): retry with back-off
 * ({@link RetryScheduler}), hold a failed probe ({@link BreakerGate}), send again with a fresh provider token,
 * disable the credential, remove the registration, or finish; and reports each delivery's final outcome (counters,
 * the {@link PushListener}, the callbacks of the events it covers, a direct send's future).
 *
 * <p>Threading: answers are handled on Pushy's I/O thread, bookkeeping only, without the engine's lock (taken inside
 * for the bookkeeping); removing a registration, the one blocking step, moves to the {@code apns-results} thread so
 * that the event loop never waits for the database, and so do attempts that could not be sent. Lifecycle: the
 * engine's.</p>
 */
final class AnswerHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerHandler.class);

    private final DeliveryEngine engine;
    private final BreakerGate gate;
    private final RetryScheduler retries;
    private final RegistrationStore registrations;
    private final PushListener listener;
    private final PusherCounters counters;
    private final ExecutorService results;
    private final Clock clock;
    private final LongSupplier ticker;

    AnswerHandler(final DeliveryEngine engine, final BreakerGate gate, final RetryScheduler retries,
                  final RegistrationStore registrations, final PushListener listener, final PusherCounters counters,
                  final ExecutorService results, final Clock clock, final LongSupplier ticker) {
        this.engine = engine;
        this.gate = gate;
        this.retries = retries;
        this.registrations = registrations;
        this.listener = listener;
        this.counters = counters;
        this.results = results;
        this.clock = clock;
        this.ticker = ticker;
    }

    /**
     * An attempt of {@code delivery} ended.
     *
     * @param sent whether a request went out (and so counts for the circuit breaker)
     */
    void answered(final Delivery delivery, final Attempt attempt, final boolean sent) {
        final CredentialSlot slot = delivery.slot;
        if (sent) {
            try {
                listener.attemptAnswered(attempt.status(), attempt.roundTrip());
            } catch (final RuntimeException e) {
                LOG.warn("Push listener failed", e);
            }
            gate.record(slot, attempt);
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
                    gate.holdAfterProbe(delivery);
                } else {
                    retryOrFinish(delivery, attempt);
                }
            }
            case REFRESH_PROVIDER_TOKEN -> {
                // Pushy closes this connection and signs a fresh JWT on the next one: send again almost at once
                // (from the timer thread, so the close on this I/O thread happens first), once; then back off.
                if (delivery.providerTokenRefreshes++ == 0) {
                    retries.retry(delivery, 1);
                } else {
                    retryOrFinish(delivery, attempt);
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

    private void retryOrFinish(final Delivery delivery, final Attempt attempt) {
        if (!retries.retryOrGiveUp(delivery, attempt)) {
            finish(delivery, attempt, false);
        }
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

    /** The delivery has its final answer: the engine's bookkeeping, then the counters, the listener, the callers. */
    private void finish(final Delivery delivery, final Attempt attempt, final boolean registrationRemoved) {
        if (!engine.ended(delivery, registrationRemoved)) {
            return; // abandoned by a shutdown that timed out; already counted and answered
        }
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
                DeliveryEngine.runQuietly(done);
            }
        }
        if (delivery.future != null) {
            delivery.future.complete(result);
        }
    }
}
