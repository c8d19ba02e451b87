package org.mailpush.pusher;

/**
 * Told how each push ended, for metrics and status. Called on the pusher's result thread; must be thread-safe and
 * must not block.
 */
@FunctionalInterface
public interface PushListener {

    void pushCompleted(PushResult result);

    PushListener NONE = result -> {
    };
}
