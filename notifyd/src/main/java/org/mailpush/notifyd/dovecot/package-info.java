/**
 * {@code POST /v1/events}: where Dovecot's events enter, posted by the shipped Lua push driver at the end of a mail
 * transaction. {@link DovecotEventsEndpoint} is mounted on an {@link org.mailpush.notifyd.http.HttpIntakeServer}; its
 * package-private parser reads and coalesces the JSON body.
 *
 * <p>In: an {@link org.mailpush.notifyd.http.IntakeHttpRequest}. Out: {@link org.mailpush.notifyd.event.MailboxEvent}s
 * offered to the {@link org.mailpush.notifyd.route.EventRouter}, and an answer as soon as they are queued (202, 400
 * naming the field, 503 when routing is full). Runs on the HTTP server's I/O thread and never blocks it.</p>
 */
package org.mailpush.notifyd.dovecot;
