/**
 * Routing: the {@link EventRouter} stores registrations and matches each mailbox event to the registrations of its
 * owner that watch that mailbox.
 *
 * <p>In: {@link org.mailpush.notifyd.event.IntakeEvent}s from every door ({@code accept}/{@code offer} shed when full,
 * {@code submit} answers with a {@link RouteOutcome}, {@code acceptTracked} waits for room). Out: writes and lookups in
 * the token store, and a {@link PushIntent} per matched device to the {@link PushDispatcher} (the pusher). Threading:
 * doors only queue, in bounded lanes; a routing thread and a registration-writing thread do the store work in
 * batches.</p>
 */
package org.mailpush.notifyd.route;
