package org.mailpush.pusher;

import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;

/**
 * Makes one attempt of a delivery: the HTTP/2 request through its credential's Pushy client (the payload from
 * {@link MailPayload}, {@code apns-push-type: background}, the push's expiry), and hands what came of it, as an
 * {@link Attempt}, to the {@link AnswerHandler}. A credential APNs refused is not used: the attempt ends at once.
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
    private final LongSupplier ticker;

    DeliverySender(final AnswerHandler answers, final PushListener listener, final PusherCounters counters,
                   final ExecutorService results, final LongSupplier ticker) {
        this.answers = answers;
        this.listener = listener;
        this.counters = counters;
        this.results = results;
        this.ticker = ticker;
    }

    void attempt(final Delivery delivery) {
        final CredentialSlot slot = delivery.slot;
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
                    (response, error) -> answers.answered(delivery, attemptOf(response, error, started), true));
        } catch (final RuntimeException e) {
            results.execute(() -> answers.answered(delivery, attemptOf(null, e, started), true));
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
}
