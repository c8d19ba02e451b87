/**
 * A running mailpush: {@link MailpushService#start} wires the token store, the pusher, the event router, the intake
 * doors (Cyrus socket, HTTP intake, xapsd, IMAP proxy) and the ops endpoint from one configuration, for the
 * {@link Role} this process plays.
 *
 * <p>In: a validated configuration. Out: a service whose parts all run, or a {@code StartupException} naming the key or
 * resource at fault (what had started is stopped). In a split install routed pushes leave through the token store's
 * push queue (intake role) and are read back by the pusher role, on a thread of its own. Lifecycle: {@code close()}
 * stops the parts in reverse order, draining queued events first.</p>
 */
package org.mailpush.server.service;
