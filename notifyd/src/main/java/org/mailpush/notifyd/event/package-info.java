/**
 * What an IMAP server told mailpush, after parsing and validation, whatever door it came through: an
 * {@link IntakeEvent} is a {@link DeviceRegistration} or a {@link MailboxEvent}, of an {@link EventType} that says what
 * it means for push.
 *
 * <p>Made by the doors' parsers (cyrus, dovecot, xapsd); consumed by the router and counted by the intake listeners.
 * Immutable values (names normalised, device tokens canonical): safe to share between threads.</p>
 */
package org.mailpush.notifyd.event;
