package org.mailpush.server.service;

import org.mailpush.notifyd.dovecot.DovecotEventsEndpoint;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.notifyd.xapsd.XapsNotifyEndpoint;
import org.mailpush.notifyd.xapsd.XapsRegisterEndpoint;
import org.mailpush.server.config.MailpushConfig;

import java.io.IOException;
import java.time.Clock;

/** Starts the HTTP doors the {@code intake:} and {@code xapsd:} sections describe. */
final class HttpIntakeFactory {

    /** The source label of events posted by Dovecot's Lua push driver. */
    static final String DOVECOT_SOURCE = "dovecot";
    /** The source label of requests of the xaps plugin. */
    static final String XAPSD_SOURCE = "xapsd";

    private HttpIntakeFactory() {
    }

    /** {@code POST /v1/events} for the shipped Lua script. */
    static HttpIntakeServer startIntake(final MailpushConfig.HttpIntake config, final EventRouter router,
                                        final IntakeListener listener) throws IOException {
        return builder(config, listener)
                .endpoint("POST", DovecotEventsEndpoint.PATH, new DovecotEventsEndpoint(DOVECOT_SOURCE,
                        Clock.systemUTC(), router, listener))
                .bind();
    }

    /** {@code POST /register} and {@code POST /notify} for the xaps plugin. */
    static HttpIntakeServer startXapsd(final MailpushConfig.HttpIntake config, final EventRouter router,
                                       final IntakeListener listener) throws IOException {
        return builder(config, listener)
                .endpoint("POST", XapsRegisterEndpoint.PATH, new XapsRegisterEndpoint(XAPSD_SOURCE, router,
                        listener))
                .endpoint("POST", XapsNotifyEndpoint.PATH, new XapsNotifyEndpoint(XAPSD_SOURCE, Clock.systemUTC(),
                        router, listener))
                .bind();
    }

    private static HttpIntakeServer.Builder builder(final MailpushConfig.HttpIntake config,
                                                    final IntakeListener listener) {
        return HttpIntakeServer.builder()
                .name(config.key())
                .listen(config.listen().toSocketAddress())
                .sharedSecret(config.secret())
                .maxBodyBytes(config.maxBodyBytes())
                .maxConnections(config.maxConnections())
                .idleTimeout(config.idleTimeout())
                .listener(listener);
    }
}
