package org.mailpush.pusher;

import org.mailpush.store.PushTarget;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the pusher did since it started. Every push request ends in exactly one of: a push (accepted,
 * rejected or abandoned), coalesced into another, shed, or ended for want of a credential for its topic
 * ({@link #noCredential()}). Submitted, accepted, rejected and no-credential are also kept per
 * {@link PushTarget.Kind} (mail, calendar, contacts), for metrics labelled by kind. Thread-safe; reads are cheap and
 * never block the pusher.
 */
public final class PusherCounters {

    /** What is counted per kind. */
    static final class PerKind {
        final LongAdder submitted = new LongAdder();
        final LongAdder accepted = new LongAdder();
        final LongAdder rejected = new LongAdder();
        final LongAdder noCredential = new LongAdder();
    }

    final LongAdder submitted = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder shed = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder abandoned = new LongAdder();
    final LongAdder transportFailures = new LongAdder();
    final LongAdder circuitOpenRefusals = new LongAdder();
    final LongAdder registrationsRemoved = new LongAdder();
    final LongAdder subscriptionsRemoved = new LongAdder();
    final LongAdder noCredential = new LongAdder();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    /** Filled once for every kind, then only read: safe to share without a lock. */
    private final Map<PushTarget.Kind, PerKind> perKind = new EnumMap<>(PushTarget.Kind.class);

    PusherCounters() {
        for (final PushTarget.Kind kind : PushTarget.Kind.values()) {
            perKind.put(kind, new PerKind());
        }
    }

    PerKind of(final PushTarget.Kind kind) {
        return perKind.get(kind);
    }

    void countRejection(final String reason) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Push requests offered to {@link ApnsPusher#submit}. */
    public long submitted() {
        return submitted.sum();
    }

    /** Requests covered by a push already pending: the saving of coalescing. */
    public long coalesced() {
        return coalesced.sum();
    }

    /** Requests refused because the pending limit was reached or the pusher was closing. */
    public long shed() {
        return shed.sum();
    }

    /** HTTP/2 requests sent to APNs, first attempts and retries. */
    public long requests() {
        return requests.sum();
    }

    public long accepted() {
        return accepted.sum();
    }

    /** Rejections by Apple's reason (final or retried), e.g. {@code Unregistered}. */
    public Map<String, Long> rejectedByReason() {
        final Map<String, Long> result = new TreeMap<>();
        rejected.forEach((reason, count) -> result.put(reason, count.sum()));
        return result;
    }

    public long rejected(final String reason) {
        final LongAdder count = rejected.get(reason);
        return count == null ? 0 : count.sum();
    }

    /** Attempts scheduled again after a retryable failure. */
    public long retried() {
        return retried.sum();
    }

    /** Pushes given up: retries exhausted, past their expiry, credential disabled, or left at shutdown. */
    public long abandoned() {
        return abandoned.sum();
    }

    /** Attempts that got no answer from APNs (connection refused, reset, timeout). */
    public long transportFailures() {
        return transportFailures.sum();
    }

    /** Attempts not sent because the credential's circuit breaker was open. */
    public long circuitOpenRefusals() {
        return circuitOpenRefusals.sum();
    }

    /** Registrations deleted because APNs said their token is invalid. */
    public long registrationsRemoved() {
        return registrationsRemoved.sum();
    }

    /** Calendar and contacts subscriptions deleted because APNs said their token is invalid. */
    public long subscriptionsRemoved() {
        return subscriptionsRemoved.sum();
    }

    /**
     * Pushes not sent because no credential has the subscription's topic (calendar and contacts only: mail falls
     * back to the first credential). Never retried.
     */
    public long noCredential() {
        return noCredential.sum();
    }

    /** Push requests for {@code kind} offered to {@link ApnsPusher#submit}. */
    public long submitted(final PushTarget.Kind kind) {
        return of(kind).submitted.sum();
    }

    /** Pushes for {@code kind} that APNs accepted. */
    public long accepted(final PushTarget.Kind kind) {
        return of(kind).accepted.sum();
    }

    /** Pushes for {@code kind} whose final answer from APNs was a refusal (any status but 200). */
    public long rejected(final PushTarget.Kind kind) {
        return of(kind).rejected.sum();
    }

    /** As {@link #noCredential()}, for {@code kind} (always 0 for mail). */
    public long noCredential(final PushTarget.Kind kind) {
        return of(kind).noCredential.sum();
    }
}
