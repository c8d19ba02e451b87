package org.mailpush.notifyd.intake;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;

/**
 * Told about everything that comes through an intake door, for counting and logging. Called on the door's I/O
 * thread or on the routing thread: implementations must be thread-safe and must not block.
 */
public interface IntakeListener {

    /** A valid event was taken in and handed to routing. */
    void eventReceived(IntakeEvent event);

    /** A valid event of a type that needs no push (e.g. {@code MailboxModseq}). */
    void eventIgnored(String source, EventType type);

    /** An input was refused. */
    void badInput(String source, BadInputException error);

    /** A valid event was dropped because the routing queue was full. */
    void eventShed(IntakeEvent event);

    /** A listener that does nothing. */
    IntakeListener NONE = new IntakeListener() {
        @Override
        public void eventReceived(final IntakeEvent event) {
        }

        @Override
        public void eventIgnored(final String source, final EventType type) {
        }

        @Override
        public void badInput(final String source, final BadInputException error) {
        }

        @Override
        public void eventShed(final IntakeEvent event) {
        }
    };
}
