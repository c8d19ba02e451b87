/**
 * The dovecot-xaps-daemon API, so that the xaps Dovecot plugin can talk to mailpush instead:
 * {@link XapsRegisterEndpoint} ({@code POST /register}) and {@link XapsNotifyEndpoint} ({@code POST /notify}), mounted
 * on an {@link org.mailpush.notifyd.http.HttpIntakeServer}; a package-private parser reads the daemon's JSON bodies.
 *
 * <p>In: {@link org.mailpush.notifyd.http.IntakeHttpRequest}s. Out: registrations and mailbox events submitted to the
 * {@link org.mailpush.notifyd.route.EventRouter}, answered with the daemon's status codes once routed (the
 * registration's topic on 200). Runs on the HTTP server's I/O thread; answers complete on the routing thread.</p>
 */
package org.mailpush.notifyd.xapsd;
