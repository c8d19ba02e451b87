package org.mailpush.server.service;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.route.PushDispatcher;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushKind;

/** Connects notifyd's routed pushes to the pusher. */
final class PushDispatchers {

    private PushDispatchers() {
    }

    /** New mail is pushed at once (then coalesced); read, flag and expunge changes after a coalescing delay. */
    static PushDispatcher to(final ApnsPusher pusher) {
        return new PushDispatcher() {
            @Override
            public void dispatch(final PushIntent intent) {
                pusher.submit(intent.registration(), kind(intent), intent.cause().receivedAt());
            }

            @Override
            public void dispatch(final PushIntent intent, final Runnable onPushed) {
                pusher.submit(intent.registration(), kind(intent), intent.cause().receivedAt(), onPushed);
            }
        };
    }

    /**
     * For the intake process of a split install: the push is queued in the token store for the pusher process;
     * the event is done once it is queued there.
     */
    static PushDispatcher toQueue(final org.mailpush.store.TokenStore store) {
        return new PushDispatcher() {
            @Override
            public void dispatch(final PushIntent intent) {
                final long age = Math.max(0, System.nanoTime() - intent.cause().receivedAt());
                store.enqueuePush(intent.registration().key(), kind(intent) == PushKind.NEW_MAIL,
                        java.time.Instant.now().minusNanos(age));
            }

            @Override
            public void dispatch(final PushIntent intent, final Runnable onPushed) {
                dispatch(intent);
                onPushed.run();
            }
        };
    }

    private static PushKind kind(final PushIntent intent) {
        return intent.cause().type().kind() == EventType.Kind.NEW_MAIL ? PushKind.NEW_MAIL : PushKind.MAILBOX_CHANGE;
    }
}
