package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushKind;

/** Connects notifyd's routed pushes to the pusher. */
final class PushDispatchers {

    private PushDispatchers() {
    }

    /** New mail is pushed at once (then coalesced); read, flag and expunge changes after a coalescing delay. */
    static PushDispatcher to(final ApnsPusher pusher) {
        return intent -> pusher.submit(intent.registration(),
                intent.cause().type().kind() == EventType.Kind.NEW_MAIL ? PushKind.NEW_MAIL : PushKind.MAILBOX_CHANGE,
                intent.cause().receivedAt());
    }
}
