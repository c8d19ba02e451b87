package org.mailpush.notifyd.route;

/**
 * Where routed pushes leave notifyd (the pusher, in a running service). Called on the routing thread; must not block
 * for long: queue and return.
 */
@FunctionalInterface
public interface PushDispatcher {

    void dispatch(PushIntent intent);
}
