package org.mailpush.notifyd.route;

import static org.mailpush.common.settings.Settings.inRange;

/**
 * {@code routing:} how many events may wait for the routing thread, per lane: the bound on the memory a burst takes
 * before what is past it is shed (and counted). The one place these defaults and ranges are written; a value left
 * out ({@code null}) takes its default. Immutable.
 *
 * @param maxQueuedMail          mailbox events that may wait (default 50,000)
 * @param maxQueuedRegistrations registrations that may wait (default 50,000: a whole site's phones reconnecting at
 *                               once)
 */
public record RoutingSettings(Integer maxQueuedMail, Integer maxQueuedRegistrations) {

    /** Every value at its default. */
    public static final RoutingSettings DEFAULTS = new RoutingSettings(null, null);

    public RoutingSettings {
        maxQueuedMail = inRange("max-queued-mail", maxQueuedMail, 50_000, 1, 10_000_000);
        maxQueuedRegistrations = inRange("max-queued-registrations", maxQueuedRegistrations, 50_000, 1,
                10_000_000);
    }
}
