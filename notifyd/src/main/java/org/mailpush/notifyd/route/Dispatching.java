package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.store.PushTarget;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands one routed event's pushes to the {@link PushDispatcher} and finishes its job as
 * {@link RouteOutcome#DISPATCHED}: at once, or, for a durable-queue event, when every push has its final answer
 * (its {@code done} waits for the last of them). Shared by mail and DAV routing, so both keep the durable queue's
 * promise the same way. Runs on the routing thread; stateless.
 */
final class Dispatching {

    private Dispatching() {
    }

    /** @param targets at least one */
    static void toAll(final PushDispatcher dispatcher, final JobOutcomes outcomes, final RouteJob job,
                      final MailboxEvent change, final List<? extends PushTarget> targets) {
        if (job.done() == null) {
            for (final PushTarget target : targets) {
                dispatcher.dispatch(new PushIntent(target, change));
            }
            outcomes.finish(job, RouteOutcome.DISPATCHED);
            return;
        }
        final Runnable done = job.done();
        final AtomicInteger outstanding = new AtomicInteger(targets.size());
        final Runnable onePushed = () -> {
            if (outstanding.decrementAndGet() == 0) {
                done.run();
            }
        };
        for (final PushTarget target : targets) {
            dispatcher.dispatch(new PushIntent(target, change), onePushed);
        }
        outcomes.told(job, RouteOutcome.DISPATCHED);
    }
}
