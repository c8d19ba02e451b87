package org.mailpush.notifyd.route;

import java.util.concurrent.atomic.LongAdder;

/**
 * How routing ends each job: counted by its {@link RouteOutcome}, and whoever waits for it told. Thread-safe: the
 * doors count what they shed, the routing and writing threads what they routed.
 */
final class JobOutcomes {

    private final LongAdder[] routed = new LongAdder[RouteOutcome.values().length];

    JobOutcomes() {
        for (int i = 0; i < routed.length; i++) {
            routed[i] = new LongAdder();
        }
    }

    /** A job that never was one (an event shed at the door): counted only. */
    void count(final RouteOutcome result) {
        routed[result.ordinal()].increment();
    }

    /** How many events routing has finished with this outcome, since start. */
    long routed(final RouteOutcome outcome) {
        return routed[outcome.ordinal()].sum();
    }

    /** The job is done: counted, and whoever waits is told. */
    void finish(final RouteJob job, final RouteOutcome result) {
        told(job, result);
        if (job.done() != null) {
            job.done().run();
        }
    }

    /** The job is routed: counted, and its future completed; its {@code done} is left to whoever runs it later. */
    void told(final RouteJob job, final RouteOutcome result) {
        routed[result.ordinal()].increment();
        if (job.outcome() != null) {
            job.outcome().complete(result);
        }
    }
}
