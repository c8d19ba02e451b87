/**
 * Delivery to APNs through Pushy: {@link ApnsPusher} (built with {@link ApnsPusherBuilder}: credentials, the token
 * store, limits, a {@link PushListener}) coalesces per device, bounds what is pending and in flight, retries, and opens
 * a circuit per credential. The engine behind it is package-private: {@code DeliveryEngine} and its parts, one job
 * each ({@code DeliverySender}, {@code AnswerHandler}, {@code RetryScheduler}, {@code BreakerGate},
 * {@code ActiveDeliveries}).
 *
 * <p>In: {@code submit} of a push target (a mail registration, or a calendar or contacts subscription) and a
 * {@link PushKind} (answered at once with a {@link SubmitOutcome}), or {@code send} for one push now. Out: HTTP/2
 * requests to APNs, payload ({@code MailPayload}, {@code DavPayload}), topic and priority ({@link PrioritySettings})
 * by kind; each push's {@link PushResult} to the listener; registrations and subscriptions APNs calls invalid removed
 * from the store; tallies in {@link PusherCounters}, per kind too. Threading: callable from
 * any thread, never blocks on the network; answers arrive on Pushy's I/O thread, store work on the {@code apns-results}
 * thread, timers on {@code pusher-timers}. Lifecycle: {@code close(timeout)} stops taking work and drains.</p>
 */
package org.mailpush.pusher;
