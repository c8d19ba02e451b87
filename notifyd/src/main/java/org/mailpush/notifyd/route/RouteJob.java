package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.IntakeEvent;

import java.util.concurrent.CompletableFuture;

/**
 * One event waiting for routing, with whoever waits for its outcome: {@code outcome} for {@link EventRouter#submit},
 * {@code done} for {@link EventRouter#acceptTracked}; both {@code null} when nobody waits.
 */
record RouteJob(IntakeEvent event, CompletableFuture<RouteOutcome> outcome, Runnable done) {
}
