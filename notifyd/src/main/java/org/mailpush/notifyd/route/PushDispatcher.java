package org.mailpush.notifyd.route;

/**
 * Where routed pushes leave notifyd (the pusher, in a running service). Called on the routing thread; must not block
 * for long: queue and return.
 */
@FunctionalInterface
public interface PushDispatcher {

    void dispatch(PushIntent intent);

    /**
     * As {@link #dispatch(PushIntent)}, running {@code onPushed} once a push covering the intent has its final
     * answer. The default runs it at once, for dispatchers that do not know more.
     */
    default void dispatch(final PushIntent intent, final Runnable onPushed) {
        dispatch(intent);
        onPushed.run();
    }
}
