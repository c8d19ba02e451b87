package org.mailpush.pusher;

import org.mailpush.store.PushTarget;

import java.time.Duration;

/**
 * Told how each push ended, for metrics and status; {@link PushResult#kind()} and the {@code kind} parameters say
 * which app it was for (mail, calendar, contacts), so that metrics can label by it. Called on the pusher's I/O
 * thread or its results thread: must be thread-safe, quick, and must not block.
 */
@FunctionalInterface
public interface PushListener {

    void pushCompleted(PushResult result);

    /**
     * One HTTP/2 request went out and ended: {@code status} is APNs' answer, {@code 0} when none came (transport
     * failure); {@code roundTrip} from sending to the answer. Called for every attempt, retries included.
     */
    default void attemptAnswered(final int status, final Duration roundTrip) {
    }

    /**
     * As {@link #attemptAnswered(int, Duration)}, for a push to {@code kind}: what the pusher calls. By default
     * it hands over to the one without the kind.
     */
    default void attemptAnswered(final PushTarget.Kind kind, final int status, final Duration roundTrip) {
        attemptAnswered(status, roundTrip);
    }

    /**
     * The first request of a push from events went out: {@code sinceEvent} from taking in the earliest event it
     * covers to sending; {@code waited} when the push waited on purpose first (a coalescing window, a change delay),
     * so that a pipeline delay can be told apart from a deliberate one. Not called for retries or direct sends.
     */
    default void requestSent(final Duration sinceEvent, final boolean waited) {
    }

    /**
     * As {@link #requestSent(Duration, boolean)}, for a push to {@code kind}: what the pusher calls. By default it
     * hands over to the one without the kind.
     */
    default void requestSent(final PushTarget.Kind kind, final Duration sinceEvent, final boolean waited) {
        requestSent(sinceEvent, waited);
    }

    PushListener NONE = result -> {
    };
}
