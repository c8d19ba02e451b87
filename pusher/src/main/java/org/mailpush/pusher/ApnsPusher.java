package org.mailpush.pusher;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.netty.channel.EventLoopGroup;
import org.mailpush.store.PushTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Delivers pushes to APNs the way a production provider must: coalesced per target, bounded in memory and in
 * flight, retried with back-off when Apple or the network fails, stopped per credential when Apple refuses it, and
 * never retried when Apple says the answer is final. A target ({@link PushTarget}) is a device's mail registration
 * or its subscription to one calendar or address book.
 *
 * <p>Each push is {@code POST /3/device/<token>} with {@code apns-push-type: background},
 * {@code apns-expiration} = now + 24 h (by default) and {@code apns-priority} written out per kind
 * ({@link PrioritySettings}: 10 for mail, 5 for calendar and contacts by default), through one Pushy client per
 * credential.</p>
 * <ul>
 *   <li>Mail: {@code apns-topic} = the credential of the registration's topic (else the first credential's), payload
 *       {@code {"aps":{"account-id":"..."}}}.</li>
 *   <li>Calendar, contacts: {@code apns-topic} = the subscription's topic, only through the credential of that
 *       topic (none: the push ends at once as {@link ApnsVerdict#NO_CREDENTIAL}, counted, not retried), payload
 *       {@code {"key":"<push key>","dataChangedTimestamp":...,"pushRequestSubmittedTimestamp":...}}, no
 *       {@code aps}.</li>
 * </ul>
 *
 * <p>Threading: {@link #submit} and {@link #send} may be called from any thread and never block on the network.
 * Lifecycle: build with {@link #builder()}; {@link #close(Duration)} stops taking work, drains, and reports what it
 * abandoned. Credential files changed on disk are reloaded on the pusher's timer thread.</p>
 */
public final class ApnsPusher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApnsPusher.class);

    private final DeliveryEngine engine;
    private final PusherCounters counters;
    private final EventLoopGroup eventLoop;
    private final ScheduledExecutorService timers;
    private final ExecutorService results;
    private final Duration shutdownTimeout;
    private final java.util.function.LongSupplier ticker;


    /** From {@link ApnsPusherBuilder#build()}: the pusher owns the threads it is given and stops them on close. */
    ApnsPusher(final DeliveryEngine engine, final PusherCounters counters, final EventLoopGroup eventLoop,
               final ScheduledExecutorService timers, final ExecutorService results,
               final Duration shutdownTimeout, final java.util.function.LongSupplier ticker) {
        this.ticker = ticker;
        this.engine = engine;
        this.counters = counters;
        this.eventLoop = eventLoop;
        this.timers = timers;
        this.results = results;
        this.shutdownTimeout = shutdownTimeout;
    }

    /** A builder for a pusher; {@link ApnsPusherBuilder#build()} validates every setting. */
    public static ApnsPusherBuilder builder() {
        return new ApnsPusherBuilder();
    }

    /** The topic used for registrations that name none (the first credential's). */
    public String defaultTopic() {
        return engine.slots().get(0).topic();
    }

    /**
     * Asks for a push to {@code target}'s device because of {@code kind}. New mail for an idle device goes out at
     * once; the rest is coalesced (see {@link PushKind}). Never blocks.
     *
     * @throws IllegalArgumentException when {@code kind} does not fit the target: a mail registration takes
     *                                  {@link PushKind#NEW_MAIL} or {@link PushKind#MAILBOX_CHANGE}, a calendar or
     *                                  contacts subscription {@link PushKind#COLLECTION_CHANGE}
     */
    public SubmitOutcome submit(final PushTarget target, final PushKind kind) {
        return engine.submit(target, kind, ticker.getAsLong(), null);
    }

    /**
     * As {@link #submit(PushTarget, PushKind)}, for an event taken in at {@code eventReceivedAt}
     * ({@link System#nanoTime()}): the push's {@link PushResult#sinceEvent()} then measures from there.
     */
    public SubmitOutcome submit(final PushTarget target, final PushKind kind, final long eventReceivedAt) {
        return engine.submit(target, kind, eventReceivedAt, null);
    }

    /**
     * As {@link #submit(PushTarget, PushKind, long)}, and runs {@code onCovered} once a push that covers this
     * request has its final answer (accepted, rejected, given up after retries, or not sent for want of a
     * credential for the topic), or at once when the request is shed. Not run for a push abandoned at shutdown: an
     * event queued durably is then delivered after a restart. Runs on the pusher's threads (or, when it ends at
     * once, the caller's): it must be quick and must not block.
     */
    public SubmitOutcome submit(final PushTarget target, final PushKind kind, final long eventReceivedAt,
                                final Runnable onCovered) {
        return engine.submit(target, kind, eventReceivedAt, onCovered);
    }

    /**
     * Pushes to {@code target}'s device now, outside coalescing (an admin's test push), with the same limits,
     * retries and response policy. A calendar or contacts push says its data changed now.
     *
     * @return completes with the final outcome; never completes exceptionally unless the pusher is closed
     */
    public CompletableFuture<PushResult> send(final PushTarget target) {
        return engine.send(target);
    }

    public PusherCounters counters() {
        return counters;
    }

    /** Targets (mail registrations, calendar and contacts subscriptions) with a push pending. */
    public int pending() {
        return engine.pending();
    }

    /** Requests sent to APNs and not yet answered. */
    public int inFlight() {
        return engine.inFlight();
    }

    /** Each credential: topic, source, usable or why not, expiry, circuit breaker state. */
    public List<CredentialStatus> credentials() {
        final List<CredentialStatus> statuses = new ArrayList<>();
        for (final CredentialSlot slot : engine.slots()) {
            statuses.add(slot.status());
        }
        return statuses;
    }

    /** The Resilience4j circuit breakers, one per credential, for metrics. */
    public List<CircuitBreaker> circuitBreakers() {
        return engine.slots().stream().map(slot -> slot.breaker).toList();
    }

    /** The Resilience4j retry policies, one per credential, for metrics. */
    public List<Retry> retries() {
        return engine.slots().stream().map(slot -> slot.retry).toList();
    }

    /**
     * Stops taking work, sends what waits for a coalescing window or delay now, waits up to {@code timeout} for
     * deliveries in flight or waiting to retry, then closes the APNs connections.
     *
     * @return how many pushes were abandoned
     */
    public int close(final Duration timeout) {
        final int abandoned = engine.drain(timeout);
        if (abandoned > 0) {
            LOG.warn("Pusher stopped with {} push(es) undelivered (queued, in flight or waiting to retry)", abandoned);
        }
        timers.shutdownNow();
        final List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (final CredentialSlot slot : engine.slots()) {
            closing.add(slot.client().close());
        }
        try {
            // Pushy's close waits for answers to requests in flight; after a timed-out drain those are abandoned.
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(abandoned > 0 ? 1 : 10,
                    TimeUnit.SECONDS);
        } catch (final java.util.concurrent.TimeoutException e) {
            LOG.debug("APNs connections still had requests in flight when closed");
        } catch (final Exception e) {
            LOG.warn("APNs connections did not close cleanly: {}", e.toString());
        }
        eventLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        results.shutdown();
        try {
            results.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return abandoned;
    }

    /**
     * Returns once the work the pusher's I/O thread and results thread had when called is done. Answers are handled
     * there, and {@link #inFlight()} drops before the handling ends (counts, listener, callbacks): with it at 0, this
     * waits until every answer received so far has been handled completely. For tests that drive the pusher's time.
     */
    void awaitAnswersHandled() throws InterruptedException, java.util.concurrent.ExecutionException {
        eventLoop.submit(() -> { }).get();
        results.submit(() -> { }).get();
    }

    /** {@link #close(Duration)} with the configured shutdown timeout. */
    @Override
    public void close() {
        close(shutdownTimeout);
    }
}
