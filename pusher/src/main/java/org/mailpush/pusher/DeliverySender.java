package org.mailpush.pusher;

import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;

/**
 * Makes one attempt of a delivery: the HTTP/2 request through its credential's Pushy client, and hands what came of
 * it, as an {@link Attempt}, to the {@link AnswerHandler}. Every push is {@code apns-push-type: background} with the
 * push's expiry and the kind's {@code apns-priority} ({@link PrioritySettings}, always written out). Mail: the
 * credential's topic and {@link MailPayload}. Calendar and contacts: the subscription's own topic and
 * {@link DavPayload}, whose {@code pushRequestSubmittedTimestamp} is this attempt's wall time. A credential APNs
 * refused is not used, and a calendar or contacts push is never sent with a credential of another topic (its topic
 * may have changed on a reload): either attempt ends at once, without a request.
 *
 * <p>Threading: called without the engine's lock, once the delivery has its in-flight place and the breaker's
 * permission. Pushy answers on its I/O thread; an attempt that could not start (the credential refused, or the client
 * threw) is handed over on the {@code apns-results} thread. Lifecycle: the engine's.</p>
 */
final class DeliverySender {

    private static final Logger LOG = LoggerFactory.getLogger(DeliverySender.class);

    private final AnswerHandler answers;
    private final PushListener listener;
    private final PusherCounters counters;
    private final ExecutorService results;
    private final PrioritySettings priorities;
    private final Clock clock;
    private final LongSupplier ticker;

    DeliverySender(final AnswerHandler answers, final PushListener listener, final PusherCounters counters,
                   final ExecutorService results, final PrioritySettings priorities, final Clock clock,
                   final LongSupplier ticker) {
        this.answers = answers;
        this.listener = listener;
        this.counters = counters;
        this.results = results;
        this.priorities = priorities;
        this.clock = clock;
        this.ticker = ticker;
    }

    void attempt(final Delivery delivery) {
        final CredentialSlot slot = delivery.slot;
        final PushTarget target = delivery.target;
        // Read once: a reload may swap the credential meanwhile, and the check and the request must agree.
        final String topic = slot.topic();
        if (target.kind() != PushTarget.Kind.MAIL && !topic.equals(target.topic())) {
            results.execute(() -> answers.answered(delivery, Attempt.noCredential(target.topic()), false));
            return;
        }
        if (!slot.usable()) {
            results.execute(() -> answers.answered(delivery, Attempt.credentialDisabled(slot.problem()), false));
            return;
        }
        // The breaker's permission was taken when the delivery left the ready queue (pumpAll).
        delivery.attempts++;
        counters.requests.increment();
        final long started = ticker.getAsLong();
        if (delivery.attempts == 1 && delivery.entry != null) {
            try {
                listener.requestSent(target.kind(), Duration.ofNanos(started - delivery.eventReceivedAt),
                        delivery.waited);
            } catch (final RuntimeException e) {
                LOG.warn("Push listener failed", e);
            }
        }
        final SimpleApnsPushNotification notification = new SimpleApnsPushNotification(target.deviceToken(), topic,
                payload(delivery), delivery.expiresAt, priorities.deliveryPriority(target.kind()),
                PushType.BACKGROUND, null, null);
        try {
            // Answers are handled on Pushy's I/O thread: bookkeeping only; the one blocking step (removing a
            // registration) moves to the results thread.
            slot.client().sendNotification(notification).whenComplete(
                    (response, error) -> answers.answered(delivery, attemptOf(response, error, started), true));
        } catch (final RuntimeException e) {
            results.execute(() -> answers.answered(delivery, attemptOf(null, e, started), true));
        }
    }

    private String payload(final Delivery delivery) {
        if (delivery.target instanceof Registration registration) {
            return MailPayload.forAccount(registration.accountId());
        }
        final DavSubscription subscription = (DavSubscription) delivery.target;
        final java.time.Instant now = clock.instant();
        return DavPayload.of(subscription.pushKey(), delivery.dataChangedAt != null ? delivery.dataChangedAt : now,
                now);
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
}
