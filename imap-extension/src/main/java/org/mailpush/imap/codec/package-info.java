/**
 * IMAP syntax the proxy needs, with no I/O and no Netty: reading tokens ({@link ImapReader}), XAPPLEPUSHSERVICE in
 * ({@link XApplePushServiceParser}) and out ({@link XApplePushServiceResponses}), capability lists
 * ({@link CapabilityRewriter}), SASL user names, and the NAMESPACE, MYRIGHTS and STATUS responses the proxy asks for
 * ({@link MailboxAccessResponses}).
 *
 * <p>In: the bytes of one command or response, literals inline. Out: values, or an {@link ImapReply} /
 * {@link ImapSyntaxException} naming the problem. Stateless or one instance per command (readers are not
 * thread-safe).</p>
 */
package org.mailpush.imap.codec;
