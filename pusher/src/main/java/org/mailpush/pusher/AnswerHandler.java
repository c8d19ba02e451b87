package org.mailpush.pusher;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;

/**
 * Acts on each attempt's answer by its {@link ApnsVerdict} ({@link ResponsePolicy}): retry with back-off
 * ({@link RetryScheduler}), hold a failed probe ({@link BreakerGate}), send again with a fresh provider token,
 * disable the credential, remove the registration or the calendar/contacts subscription (unless the device
 * registered or subscribed again after Apple's invalidation time), or finish; and reports each delivery's final
 * outcome (counters, per kind too, the {@link PushListener}, the callbacks of the events it covers, a direct send's
 * future). It also reports the pushes that end before any attempt because no credential has their topic.
 *
 * <p>Threading: answers are handled on Pushy's I/O thread, bookkeeping only, without the engine's lock (taken inside
 * for the bookkeeping); removing a registration or a subscription, the one blocking step, moves to the
 * {@code apns-results} thread so that the event loop never waits for the database, and so do attempts that could not
 * be sent. Lifecycle: the engine's.</p>
 */
final class AnswerHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerHandler.class);

    private final DeliveryEngine engine;
    private final BreakerGate gate;
    private final RetryScheduler retries;
    private final RegistrationStore registrations;
    private final DavSubscriptionStore subscriptions;
    private final PushListener listener;
    private final PusherCounters counters;
    private final ExecutorService results;
    private final Clock clock;
    private final LongSupplier ticker;
    /**
     * Topics already warned about having no credential: one warning each, then debug (it may be every push). At most
     * {@link #MAX_WARNED_TOPICS} are remembered, so topics forged by the thousand cannot grow it; past that every
     * push on an unknown topic logs at debug only (they are counted either way).
     */
    private final Set<String> warnedTopics = ConcurrentHashMap.newKeySet();
    static final int MAX_WARNED_TOPICS = 64;

    /** @param subscriptions where invalidated subscriptions are removed; {@code null} when none is given (kept) */
    AnswerHandler(final DeliveryEngine engine, final BreakerGate gate, final RetryScheduler retries,
                  final RegistrationStore registrations, final DavSubscriptionStore subscriptions,
                  final PushListener listener, final PusherCounters counters, final ExecutorService results,
                  final Clock clock, final LongSupplier ticker) {
        this.engine = engine;
        this.gate = gate;
        this.retries = retries;
        this.registrations = registrations;
        this.subscriptions = subscriptions;
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
                listener.attemptAnswered(delivery.target.kind(), attempt.status(), attempt.roundTrip());
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
                    () -> finish(delivery, attempt, remove(delivery.target, attempt)));
            case ACCEPTED -> finish(delivery, attempt, false);
            case PERMANENT -> {
                LOG.warn("APNs refused the {} push to {} of {} for good: {} {} (a configuration problem?)",
                        delivery.target.kind().label(), DeviceTokens.mask(delivery.target.deviceToken()),
                        delivery.target.owner(), attempt.status(), attempt.reason());
                finish(delivery, attempt, false);
            }
            case NO_CREDENTIAL -> {
                warnNoCredential(delivery.target);
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

    /**
     * Removes what APNs invalidated: a mail registration, or a calendar/contacts subscription, unless the device
     * registered or subscribed again after Apple's invalidation time (or now, when Apple gave none).
     *
     * @return whether it was removed
     */
    private boolean remove(final PushTarget target, final Attempt attempt) {
        final Instant invalidatedAt = attempt.tokenInvalidatedAt() != null ? attempt.tokenInvalidatedAt()
                : clock.instant();
        final String device = DeviceTokens.mask(target.deviceToken());
        try {
            final boolean removed;
            if (target instanceof Registration registration) {
                removed = registrations.removeUnlessRegisteredAfter(registration.key(), invalidatedAt);
                if (removed) {
                    counters.registrationsRemoved.increment();
                }
            } else if (subscriptions == null) {
                LOG.warn("Kept the {} subscription {} of device {} of {} despite APNs {}: the pusher was given no"
                        + " subscription store", target.kind().label(), ((DavSubscription) target).pushKey(), device,
                        target.owner(), attempt.reason());
                return false;
            } else {
                removed = subscriptions.removeUnlessSubscribedAfter(((DavSubscription) target).key(), invalidatedAt);
                if (removed) {
                    counters.subscriptionsRemoved.increment();
                }
            }
            final String what = target.kind() == PushTarget.Kind.MAIL ? "device" : target.kind().label()
                    + " subscription " + ((DavSubscription) target).pushKey() + " of device";
            if (removed) {
                LOG.info("Removed {} {} of {}: APNs says {}", what, device, target.owner(), attempt.reason());
            } else {
                LOG.info("Kept {} {} of {} despite APNs {}: it {} after {}", what, device, target.owner(),
                        attempt.reason(), target.kind() == PushTarget.Kind.MAIL ? "re-registered" : "re-subscribed",
                        invalidatedAt);
            }
            return removed;
        } catch (final TokenStoreException e) {
            LOG.error("Could not remove the {} target {} of {} after APNs {}: {}", target.kind().label(), device,
                    target.owner(), attempt.reason(), e.getMessage());
            return false;
        }
    }

    /** The delivery has its final answer: the engine's bookkeeping, then the counters, the listener, the callers. */
    private void finish(final Delivery delivery, final Attempt attempt, final boolean targetRemoved) {
        if (!engine.ended(delivery, targetRemoved)) {
            return; // abandoned by a shutdown that timed out; already counted and answered
        }
        if (delivery.retry != null) {
            delivery.retry.onComplete();
        }
        final PusherCounters.PerKind kind = counters.of(delivery.target.kind());
        if (attempt.verdict() == ApnsVerdict.ACCEPTED) {
            counters.accepted.increment();
            kind.accepted.increment();
        } else if (attempt.verdict() == ApnsVerdict.NO_CREDENTIAL) {
            counters.noCredential.increment();
            kind.noCredential.increment();
        } else if (attempt.verdict() == ApnsVerdict.RETRYABLE || !attempt.answered()) {
            counters.abandoned.increment();
        }
        if (attempt.answered() && attempt.verdict() != ApnsVerdict.ACCEPTED) {
            kind.rejected.increment();
        }
        final long now = ticker.getAsLong();
        report(new PushResult(delivery.target, attempt.verdict(), attempt.status(), attempt.reason(),
                attempt.tokenInvalidatedAt(), attempt.failure(), targetRemoved,
                Duration.ofNanos(now - delivery.createdAt), delivery.attempts,
                delivery.entry == null || attempt.verdict() == ApnsVerdict.NO_CREDENTIAL ? null
                        : Duration.ofNanos(now - delivery.eventReceivedAt)),
                delivery.covered, delivery.future);
    }

    /**
     * A calendar or contacts push asked for (from an event, or a direct send) that no credential can serve: it ends
     * now, unsent, counted, reported as {@link ApnsVerdict#NO_CREDENTIAL}; never queued, never retried. Called
     * without the engine's lock, on the caller's thread.
     *
     * @param onCovered the event's callback, {@code null} for none
     * @param future    a direct send's, {@code null} for a push from an event
     */
    void noCredential(final PushTarget target, final Runnable onCovered, final CompletableFuture<PushResult> future) {
        counters.noCredential.increment();
        counters.of(target.kind()).noCredential.increment();
        warnNoCredential(target);
        final Attempt attempt = Attempt.noCredential(target.topic());
        // No sinceEvent: nothing was pushed, so it is no sample of push latency.
        report(new PushResult(target, attempt.verdict(), 0, attempt.reason(), null, null, false, Duration.ZERO, 0,
                null), onCovered == null ? null : List.of(onCovered), future);
    }

    private void warnNoCredential(final PushTarget target) {
        if (warnedTopics.size() < MAX_WARNED_TOPICS && warnedTopics.add(target.topic())) {
            LOG.warn("No APNs credential has topic {}: {} pushes on it are not sent (first: device {} of {}). Install"
                            + " the certificate of that topic, or take the topic out of imapd.conf ({}).",
                    target.topic(), target.kind().label(), DeviceTokens.mask(target.deviceToken()), target.owner(),
                    target.kind() == PushTarget.Kind.CALENDAR ? "aps_topic_caldav" : "aps_topic_carddav");
        } else {
            LOG.debug("No APNs credential has topic {}: {} push to {} of {} not sent", target.topic(),
                    target.kind().label(), DeviceTokens.mask(target.deviceToken()), target.owner());
        }
    }

    /** The listener, the callbacks of the events the push covers, a direct send's future: each told once. */
    private void report(final PushResult result, final List<Runnable> covered,
                        final CompletableFuture<PushResult> future) {
        try {
            listener.pushCompleted(result);
        } catch (final RuntimeException e) {
            LOG.warn("Push listener failed", e);
        }
        if (covered != null) {
            for (final Runnable done : covered) {
                DeliveryEngine.runQuietly(done);
            }
        }
        if (future != null) {
            future.complete(result);
        }
    }
}
