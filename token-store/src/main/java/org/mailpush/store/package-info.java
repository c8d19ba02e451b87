/**
 * The token store, the one state mailpush keeps: device registrations for mail, DAV subscriptions for calendars and
 * address books and, for a split install, the queue of pushes between the intake and the pusher process, in H2 (a
 * file) or PostgreSQL.
 *
 * <p>Entry point: {@link TokenStoreBuilder}, which migrates the schema (Flyway) and returns a {@link TokenStore}. In:
 * {@link Registration}s, {@link DavSubscription}s and lookups from the event router, the IMAP proxy, the pusher and
 * admin commands. Out: both kinds of {@link PushTarget} and {@link QueuedPush}es; failures as
 * {@link TokenStoreException}.</p>
 *
 * <p>Threading: a store is thread-safe and its calls block on the database, so never call it on an event loop. The
 * routing caches in front of the database (registrations by user, DAV subscriptions by collection) are kept current
 * by PostgreSQL's LISTEN/NOTIFY (on a thread of its own) or an H2 trigger; {@link RegistrationSweeper} expires
 * registrations and DAV subscriptions on its own thread.</p>
 */
package org.mailpush.store;
