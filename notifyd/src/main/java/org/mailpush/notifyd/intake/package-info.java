/**
 * What every intake door shares: the observer told about what came in ({@link IntakeListener}, counted and logged once
 * per kind by {@link IntakeCounters}), the refusal of bad input ({@link BadInputException} with its
 * {@link BadInputKind}) and how full the routing backlog is ({@link IntakeBacklog}).
 *
 * <p>Nothing enters or leaves here by itself; the doors and the router use these types. Listeners and backlogs are
 * called from the doors' I/O threads and the routing threads: implementations are thread-safe and never block.</p>
 */
package org.mailpush.notifyd.intake;
