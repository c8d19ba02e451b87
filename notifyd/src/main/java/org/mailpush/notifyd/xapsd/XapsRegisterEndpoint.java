package org.mailpush.notifyd.xapsd;

import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.http.HttpAnswer;
import org.mailpush.notifyd.http.HttpEndpoint;
import org.mailpush.notifyd.http.IntakeHttpRequest;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.route.EventRouter;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /register} of the xapsd API: the xaps IMAP plugin forwards a phone's XAPPLEPUSHSERVICE command here
 * and puts the body of a 200 answer, the bare APNs topic, into its reply to the phone.
 *
 * <p>Status codes as the daemon's: 200 with the topic ({@code text/plain; charset=utf-8}); 400 for a body that is
 * not JSON, misses a field, has empty Mailboxes, or a subtopic other than {@code com.apple.mobilemail} (and, unlike
 * the daemon, for a device token that is not hex); 500 when the token store fails. 503 when the routing queue is
 * full; 403 for a new device of a user with the most devices allowed. The registration is stored through the event
 * router, so it is in place before any later notification of the same sender is routed.</p>
 *
 * <p>The plugin answers the phone {@code OK} whatever this says (with {@code aps-topic "(null)"} after an error) and
 * logs only the status line: {@code Error when sending notification: 400 Bad Request}. So every refusal carries its
 * reason in the status line too ({@code 400 Bad Request: ApsDeviceToken is not a hex device token ...}), and is
 * counted in {@code mailpush_registrations_refused} and logged here.</p>
 */
public final class XapsRegisterEndpoint implements HttpEndpoint {

    public static final String PATH = "/register";

    private final String source;
    private final XapsRequestParser parser;
    private final EventRouter router;
    private final IntakeListener listener;

    /** @param source the label the registrations carry and the counts use ({@code xapsd}) */
    public XapsRegisterEndpoint(final String source, final EventRouter router, final IntakeListener listener) {
        this.source = Objects.requireNonNull(source, "source");
        // A registration carries no time: the parser's clock is only read for notifications.
        this.parser = new XapsRequestParser(Clock.systemUTC());
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (router.registrationTopic() == null || router.registrationTopic().isEmpty()) {
            throw new IllegalArgumentException("the xapsd API needs a registration topic to answer with");
        }
    }

    @Override
    public CompletionStage<HttpAnswer> handle(final IntakeHttpRequest request) {
        final DeviceRegistration registration;
        try {
            registration = parser.registration(source, request.body());
        } catch (final BadInputException e) {
            listener.badInput(source, e);
            return CompletableFuture.completedFuture(HttpAnswer.error(400, e.getMessage()).withReason(e.getMessage()));
        }
        listener.eventReceived(registration);
        return router.submit(registration).thenApply(outcome -> switch (outcome) {
            case REGISTERED -> HttpAnswer.text(200, router.registrationTopic());
            case REFUSED -> refusal(403, "this user has the most registered devices allowed"
                    + " (store.max-devices-per-user)");
            case SHED -> refusal(503, "routing queue full; try again").withHeader("Retry-After", "1");
            default -> refusal(500, "could not store the registration; see the mailpush log");
        });
    }

    private static HttpAnswer refusal(final int status, final String why) {
        return HttpAnswer.error(status, why).withReason(why);
    }
}
