package org.mailpush.notifyd.xapsd;

import org.mailpush.notifyd.event.EventType;
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
 * {@code POST /notify} of the xapsd API: the xaps push_notification driver reports a mail transaction here.
 *
 * <p>Status codes as the daemon's: 200 when pushes were queued for the user's devices watching the mailbox; 204 when
 * the user has devices but none watches that mailbox; 404 when the user has none; 400 for a body that is not JSON
 * or misses Username, Mailbox or Events. Unlike the daemon, every registered mailbox is pushed, not only INBOX.
 * Events that never call for a push (e.g. {@code MailboxCreate}) get 200 without a lookup. 500 when the token store
 * fails, 503 when the routing queue is full.</p>
 */
public final class XapsNotifyEndpoint implements HttpEndpoint {

    public static final String PATH = "/notify";

    private final String source;
    private final XapsRequestParser parser;
    private final EventRouter router;
    private final IntakeListener listener;

    /**
     * @param source the label the requests' events carry and the counts use ({@code xapsd})
     * @param clock  the time a notification's event is said to have occurred (the plugin's body gives none)
     */
    public XapsNotifyEndpoint(final String source, final Clock clock, final EventRouter router,
                              final IntakeListener listener) {
        this.source = Objects.requireNonNull(source, "source");
        this.parser = new XapsRequestParser(clock);
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public CompletionStage<HttpAnswer> handle(final IntakeHttpRequest request) {
        final XapsRequestParser.Notification notification;
        try {
            notification = parser.notification(source, request.body());
        } catch (final BadInputException e) {
            listener.badInput(source, e);
            // The plugin logs the status line only: the reason goes there too.
            return CompletableFuture.completedFuture(HttpAnswer.error(400, e.getMessage()).withReason(e.getMessage()));
        }
        for (final EventType type : notification.ignored()) {
            listener.eventIgnored(source, type);
        }
        if (notification.event().isEmpty()) {
            return CompletableFuture.completedFuture(HttpAnswer.empty(200));
        }
        listener.eventReceived(notification.event().get());
        return router.submit(notification.event().get()).thenApply(outcome -> switch (outcome) {
            case DISPATCHED, IGNORED -> HttpAnswer.empty(200);
            case NOT_WATCHED -> HttpAnswer.empty(204);
            case UNKNOWN_USER -> HttpAnswer.error(404, "no device registered for this user");
            case SHED -> HttpAnswer.error(503, "routing queue full; try again").withHeader("Retry-After", "1");
            default -> HttpAnswer.error(500, "could not look up registrations; see the mailpush log");
        });
    }
}
