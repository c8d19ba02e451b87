package org.mailpush.pusher;

/**
 * Told how each push ended, for metrics and status. Called on the pusher's I/O thread or its results thread: must
 * be thread-safe, quick, and must not block.
 */
@FunctionalInterface
public interface PushListener {

    void pushCompleted(PushResult result);

    /**
     * One HTTP/2 request went out and ended: {@code status} is APNs' answer, {@code 0} when none came (transport
     * failure); {@code roundTrip} from sending to the answer. Called for every attempt, retries included.
     */
    default void attemptAnswered(final int status, final java.time.Duration roundTrip) {
    }

    /**
     * The first request of a push from events went out: {@code sinceEvent} from taking in the earliest event it
     * covers to sending; {@code waited} when the push waited on purpose first (a coalescing window, a change delay),
     * so that a pipeline delay can be told apart from a deliberate one. Not called for retries or direct sends.
     */
    default void requestSent(final java.time.Duration sinceEvent, final boolean waited) {
    }

    PushListener NONE = result -> {
    };
}
