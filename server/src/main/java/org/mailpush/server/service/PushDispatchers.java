package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.pusher.ApnsPusher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects notifyd's routed pushes to the pusher. */
final class PushDispatchers {

    private static final Logger LOG = LoggerFactory.getLogger(PushDispatchers.class);

    private PushDispatchers() {
    }

    /** New mail is pushed at once; other mailbox changes are not pushed (yet). */
    static PushDispatcher newMailTo(final ApnsPusher pusher) {
        return intent -> {
            if (intent.cause().type().kind() == EventType.Kind.NEW_MAIL) {
                pusher.push(intent.registration());
            } else {
                LOG.debug("Not pushing {} in {}: only new mail is pushed", intent.cause().type().wireName(),
                        intent.cause().mailbox());
            }
        };
    }
}
