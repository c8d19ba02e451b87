/**
 * The Cyrus notify socket: where Cyrus's events enter mailpush, as datagrams ({@link NotifySocketServer}) or in stream
 * mode, acknowledged only once queued on disk ({@link NotifyStreamServer}). Both build with a builder naming the path,
 * mode, group and {@code event_notifier}; Cyrus's namespace settings need no mirroring ({@link CyrusMailboxNames}
 * reads them off each event).
 *
 * <p>In: bytes Cyrus writes, read by package-private decoders and parsers. Out:
 * {@link org.mailpush.notifyd.event.IntakeEvent}s to the sink (the event router), bad input to the
 * {@link org.mailpush.notifyd.intake.IntakeListener}. Threading: one event-loop thread per server parses and hands
 * over, never blocks; stream mode writes the queue on a thread of its own. {@link NotifyDatagramSender} is Cyrus's
 * side, for the demo and tests.</p>
 */
package org.mailpush.notifyd.cyrus;
