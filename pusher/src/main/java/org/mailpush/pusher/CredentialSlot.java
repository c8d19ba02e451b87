package org.mailpush.pusher;

import com.eatthepath.pushy.apns.ApnsClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import org.mailpush.pusher.credentials.ApnsCredential;

import java.util.ArrayDeque;
import java.util.Optional;

/**
 * One credential in use: its Pushy client, its circuit breaker (with its {@link OpenPeriods}) and retry policy
 * (Resilience4j, named by topic so their events and metrics say which credential), its queue of deliveries ready to
 * go, those backing off, and its count of requests in flight. Queues, count and timers are guarded by the engine's
 * lock; client and credential are swapped on reload.
 */
final class CredentialSlot {

    final CredentialSource source;
    final String apnsHost;
    final int maxInFlight;
    final CircuitBreaker breaker;
    final OpenPeriods openPeriods;
    final Retry retry;
    final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    /** Deliveries waiting out a back-off after a retryable failure: sent early when the breaker closes. */
    final java.util.Set<Delivery> backingOff = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** The timer that pumps again when the open breaker lets a probe through; {@code null} when none is set. */
    java.util.concurrent.ScheduledFuture<?> wakeUp;
    int inFlight;

    private volatile ApnsCredential credential;
    private volatile ApnsClient client;
    private volatile String problem;
    private final java.util.concurrent.atomic.AtomicReference<CircuitBreaker.State> loggedState =
            new java.util.concurrent.atomic.AtomicReference<>(CircuitBreaker.State.CLOSED);

    CredentialSlot(final CredentialSource source, final ApnsCredential credential, final ApnsClient client,
                   final String apnsHost, final int maxInFlight, final CircuitBreaker breaker,
                   final OpenPeriods openPeriods, final Retry retry) {
        this.source = source;
        this.credential = credential;
        this.client = client;
        this.apnsHost = apnsHost;
        this.maxInFlight = maxInFlight;
        this.breaker = breaker;
        this.openPeriods = openPeriods;
        this.retry = retry;
    }

    ApnsCredential credential() {
        return credential;
    }

    ApnsClient client() {
        return client;
    }

    String topic() {
        return credential.topic();
    }

    boolean usable() {
        return problem == null;
    }

    String problem() {
        return problem;
    }

    /** APNs refused the credential itself: stop sending with it until it is replaced. */
    void disable(final String why) {
        problem = why;
    }

    /** A new credential (a renewed certificate): usable again, circuit reset. Returns the client it replaced. */
    ApnsClient replace(final ApnsCredential newCredential, final ApnsClient newClient) {
        final ApnsClient old = client;
        credential = newCredential;
        client = newClient;
        problem = null;
        breaker.reset();
        return old;
    }

    /**
     * The breaker's state if it changed since the last call, else {@code null}; for one log line per transition.
     * Lock-free: it runs after every request.
     */
    CircuitBreaker.State stateChange() {
        final CircuitBreaker.State now = breaker.getState();
        final CircuitBreaker.State before = loggedState.get();
        return now != before && loggedState.compareAndSet(before, now) ? now : null;
    }

    CredentialStatus status() {
        final ApnsCredential current = credential;
        final Optional<java.time.Instant> notAfter = current.notAfter();
        return new CredentialStatus(current.topic(), current.source(), apnsHost, usable(), problem, notAfter,
                breaker.getState().name());
    }
}
