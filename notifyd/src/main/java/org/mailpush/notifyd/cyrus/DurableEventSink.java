package org.mailpush.notifyd.cyrus;

import org.mailpush.notifyd.event.IntakeEvent;

/**
 * Where events from the stream-mode socket go once they are safely queued on disk: {@code done} must be run when
 * the event has been dealt with (routed, and its pushes answered), so that it is not replayed after a restart.
 * Called on the queue's writer thread; must not block.
 */
@FunctionalInterface
public interface DurableEventSink {

    void accept(IntakeEvent event, Runnable done);
}
