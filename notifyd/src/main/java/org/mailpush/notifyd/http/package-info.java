/**
 * The HTTP/1.1 server the Dovecot and xapsd doors run on: {@link HttpIntakeServer} (built with its builder, one
 * endpoint per path) bounds connections, headers and bodies, checks the shared secret and answers pipelined requests in
 * order.
 *
 * <p>In: requests over TCP, handed as an {@link IntakeHttpRequest} to the {@link HttpEndpoint} of the path. Out: the
 * endpoint's {@link HttpAnswer}; refusals to the {@link org.mailpush.notifyd.intake.IntakeListener}. One I/O thread
 * serves every connection of a server: endpoints must not block it, and answer with a stage that may complete on
 * another thread.</p>
 */
package org.mailpush.notifyd.http;
