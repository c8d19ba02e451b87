package org.mailpush.pusher;

/**
 * Told how each push ended, for metrics and status. Called on the pusher's I/O thread or its results thread: must
 * be thread-safe, quick, and must not block.
 */
@FunctionalInterface
public interface PushListener {

    void pushCompleted(PushResult result);

    PushListener NONE = result -> {
    };
}
