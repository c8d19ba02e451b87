package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushKind;
import org.mailpush.store.PushTarget;

/** Connects notifyd's routed pushes to the pusher. */
final class PushDispatchers {

    private PushDispatchers() {
    }

    /**
     * New mail is pushed at once (then coalesced); read, flag and expunge changes after a coalescing delay; a change
     * to a calendar or address book after the DAV coalescing delay.
     */
    static PushDispatcher to(final ApnsPusher pusher) {
        return new PushDispatcher() {
            @Override
            public void dispatch(final PushIntent intent) {
                pusher.submit(intent.target(), kind(intent), intent.cause().receivedAt());
            }

            @Override
            public void dispatch(final PushIntent intent, final Runnable onPushed) {
                pusher.submit(intent.target(), kind(intent), intent.cause().receivedAt(), onPushed);
            }
        };
    }

    private static PushKind kind(final PushIntent intent) {
        if (intent.target().kind() != PushTarget.Kind.MAIL) {
            return PushKind.COLLECTION_CHANGE;
        }
        return intent.cause().type().kind() == EventType.Kind.NEW_MAIL ? PushKind.NEW_MAIL : PushKind.MAILBOX_CHANGE;
    }
}
