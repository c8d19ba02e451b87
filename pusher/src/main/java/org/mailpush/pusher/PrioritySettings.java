package org.mailpush.pusher;

import com.eatthepath.pushy.apns.DeliveryPriority;
import org.mailpush.store.PushTarget;

import static org.mailpush.common.settings.Settings.oneOf;

/**
 * {@code apns.priority:} the {@code apns-priority} each kind of push is sent with, always explicitly: 5 or 10, the
 * two values APNs takes for a push that wakes an app (1 is for pushes the system may drop, not what a sync
 * trigger wants). Immutable.
 *
 * <p>Why these defaults. Every push mailpush sends is a background push ({@code apns-push-type: background}: it
 * shows nothing, it tells the app to sync). Apple's documentation says a background push must carry priority 5
 * ("Pushing Background Updates to Your App": the request "should contain the apns-push-type header field with a
 * value of background, and the apns-priority field with a value of 5"; "Sending notification requests to APNs":
 * "Always use priority 5. Using priority 10 is an error."). So calendar and contacts pushes, which Apple's own
 * CalendarServer and Forward Email send that way, default to 5. Mail defaults to 10: that is what APNs applies when
 * the header is absent, and absent is what the xaps daemons known to work with iOS Mail send (dovecot-xaps-daemon
 * leaves its priority line commented out; Forward Email omits it "to match"), so 10 keeps mail exactly as mailpush
 * always sent it, now written out. A site that wants mail to follow Apple's documentation sets {@code mail: 5}.</p>
 *
 * @param mail     for iOS Mail pushes; default 10
 * @param calendar for calendar (CalDAV) pushes; default 5
 * @param contacts for contacts (CardDAV) pushes; default 5
 */
public record PrioritySettings(Integer mail, Integer calendar, Integer contacts) {

    /** Every value at its default. */
    public static final PrioritySettings DEFAULTS = new PrioritySettings(null, null, null);

    public PrioritySettings {
        mail = oneOf("mail", mail, 10, 5, 10);
        calendar = oneOf("calendar", calendar, 5, 5, 10);
        contacts = oneOf("contacts", contacts, 5, 5, 10);
    }

    /** The priority of pushes to {@code kind}: 5 or 10. */
    public int of(final PushTarget.Kind kind) {
        return switch (kind) {
            case MAIL -> mail;
            case CALENDAR -> calendar;
            case CONTACTS -> contacts;
        };
    }

    /** As {@link #of}, as Pushy writes it into the {@code apns-priority} header. */
    DeliveryPriority deliveryPriority(final PushTarget.Kind kind) {
        return of(kind) == 10 ? DeliveryPriority.IMMEDIATE : DeliveryPriority.CONSERVE_POWER;
    }
}
