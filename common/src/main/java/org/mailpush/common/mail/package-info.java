/**
 * The mail vocabulary every module shares: device tokens ({@link DeviceTokens}: canonical lower-case hex, and the
 * masked form logs may show), mailbox names ({@link MailboxNames}: INBOX case-insensitive, everything else exact) and
 * IMAP's modified UTF-7 ({@link ModifiedUtf7}).
 *
 * <p>In: strings as a phone, Cyrus, Dovecot or the store wrote them. Out: the one form mailpush compares and stores.
 * Stateless static helpers and immutable values: safe from any thread. No dependencies.</p>
 */
package org.mailpush.common.mail;
