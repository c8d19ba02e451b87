package org.mailpush.server.service;

import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.ApnsPusherBuilder;
import org.mailpush.pusher.PushListener;
import org.mailpush.server.config.ConfigCredentialSource;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.RegistrationStore;

import java.io.IOException;

/** Builds the pusher an {@code apns:} section describes; shared by the service and {@code mailpush send-test}. */
public final class PusherFactory {

    private PusherFactory() {
    }

    /**
     * @param registrations where mail registrations APNs invalidates are removed
     * @param subscriptions where calendar and contacts subscriptions APNs invalidates are removed
     * @throws IOException when a credential cannot be loaded or TLS cannot be set up; the message names the entry
     */
    public static ApnsPusher build(final MailpushConfig.Apns apns, final RegistrationStore registrations,
                                   final DavSubscriptionStore subscriptions) throws IOException {
        return build(apns, registrations, subscriptions, PushListener.NONE);
    }

    /**
     * As {@link #build(MailpushConfig.Apns, RegistrationStore, DavSubscriptionStore)}, telling {@code listener} how
     * each push ended.
     */
    public static ApnsPusher build(final MailpushConfig.Apns apns, final RegistrationStore registrations,
                                   final DavSubscriptionStore subscriptions, final PushListener listener)
            throws IOException {
        final ApnsPusherBuilder builder = ApnsPusher.builder()
                .registrations(registrations)
                .subscriptions(subscriptions)
                .listener(listener)
                .delivery(apns.delivery())
                .priority(apns.priority());
        if (apns.host() != null) {
            builder.apnsServer(apns.host(), apns.port());
        }
        if (apns.trust() != null) {
            builder.trustedServerCertificates(apns.trust());
        }
        for (final MailpushConfig.Credential entry : apns.credentials()) {
            builder.credential(new ConfigCredentialSource(entry));
        }
        return builder.build();
    }
}
