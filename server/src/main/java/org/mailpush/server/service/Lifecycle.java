package org.mailpush.server.service;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a starting mailpush has started, and how to stop it: each part is registered with a name as it starts, and
 * {@link #stopAll()} stops them in reverse order (the doors that let events in first, the store last), logging any
 * part that fails to stop by name and going on with the others. Used by one thread: the one starting the service,
 * then the one closing it.
 */
final class Lifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

    private record Stop(String name, AutoCloseable action) {
    }

    private final Deque<Stop> stops = new ArrayDeque<>();

    /** {@code part} has started; it is stopped before everything started so far. */
    <T extends AutoCloseable> T started(final String name, final T part) {
        stops.push(new Stop(name, part));
        return part;
    }

    /**
     * A place in the stop order for a part that starts later: it stops where this call stands (after everything
     * started from now on, before everything started so far), doing whatever {@link Slot#fill} gives it, or nothing.
     */
    Slot slot(final String name) {
        final Slot slot = new Slot();
        stops.push(new Stop(name, slot));
        return slot;
    }

    /** A stop reserved by {@link #slot}; filled at most once, by the starting thread. */
    static final class Slot implements AutoCloseable {

        private volatile AutoCloseable action = () -> { };

        void fill(final AutoCloseable stop) {
            this.action = stop;
        }

        @Override
        public void close() throws Exception {
            action.close();
        }
    }

    /** {@code action} runs at the very end of stopping, after every part registered so far or later. */
    void atTheEnd(final String name, final AutoCloseable action) {
        stops.addLast(new Stop(name, action));
    }

    /** Stops every part, the last started first. */
    void stopAll() {
        while (!stops.isEmpty()) {
            final Stop stop = stops.pop();
            try {
                stop.action().close();
            } catch (final Exception e) {
                LOG.warn("Error while stopping {}: {}", stop.name(), e.toString());
            }
        }
    }
}
