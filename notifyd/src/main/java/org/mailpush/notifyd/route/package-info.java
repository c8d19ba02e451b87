/**
 * Routing: the {@link EventRouter} stores registrations (mail) and DAV subscriptions (calendars, address books), and
 * matches each mailbox event by its mailbox's type: a mail mailbox's to the registrations of its owner that watch it
 * ({@code MailRouting}), a calendar's or address book's to the subscriptions of that collection ({@code DavRouting}).
 *
 * <p>In: {@link org.mailpush.notifyd.event.IntakeEvent}s from every door ({@code accept}/{@code offer} shed when full,
 * {@code submit} answers with a {@link RouteOutcome}, {@code acceptTracked} waits for room). Out: writes and lookups in
 * the token store, and a {@link PushIntent} per matched registration or subscription to the {@link PushDispatcher}
 * (the pusher). Threading: doors only queue, in bounded lanes; a routing thread and a registration-writing thread do
 * the store work in batches.</p>
 */
package org.mailpush.notifyd.route;
