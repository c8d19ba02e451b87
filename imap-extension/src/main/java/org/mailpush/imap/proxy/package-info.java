/**
 * An IMAP proxy in front of any IMAP server that adds Apple's XAPPLEPUSHSERVICE. Entry point:
 * {@link ImapProxyServer#start} with {@link ImapProxySettings}, a {@link RegistrationSink} and the ports to listen on;
 * sessions, trackers, decoders and handlers are package-private, one job each.
 *
 * <p>In: client connections (implicit TLS or STARTTLS), relayed byte for byte to the upstream server except where the
 * proxy must act. Out: the upstream connections, registrations to the sink (the token store through
 * {@link TokenStoreRegistrationSink}, off the event loop) and tallies in {@link ProxyCounters}. Threading: Netty event
 * loops; each session and its upstream connection live on one loop, and nothing on it blocks.</p>
 */
package org.mailpush.imap.proxy;
