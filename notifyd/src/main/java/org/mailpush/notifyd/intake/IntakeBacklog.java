package org.mailpush.notifyd.intake;

/**
 * How full the routing backlog behind a door is, so that a door able to hold its sender back (the Cyrus notify
 * socket: Cyrus's {@code sendto} waits while the socket's queue is full) stops reading instead of shedding.
 *
 * <p>Thread-safe: doors ask from their I/O threads; answers are a snapshot.</p>
 */
public interface IntakeBacklog {

    /** A backlog that never fills: the door never stops reading. */
    IntakeBacklog NONE = new IntakeBacklog() {
        @Override
        public boolean nearlyFull() {
            return false;
        }

        @Override
        public boolean drained() {
            return true;
        }
    };

    /** So little room is left that the next few events might be shed: a door that can should stop reading. */
    boolean nearlyFull();

    /** Room again (well below full): a door that stopped reading reads on. */
    boolean drained();
}
