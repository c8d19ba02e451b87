package org.mailpush.notifyd.dovecot;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
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
 * {@code POST /v1/events}: where Dovecot's events enter mailpush (see {@link DovecotEventsParser} for the body).
 *
 * <p>Answers as soon as the events are queued for routing, without waiting for the token store: Dovecot calls the
 * Lua script synchronously inside LMTP delivery and IMAP APPEND, so every millisecond here is added to each
 * delivery. {@code 202} with {@code {"queued":n,"ignored":n}}; {@code 400} naming the field for a malformed body;
 * {@code 503} when the routing queue is full (the events are counted as shed; Dovecot's delivery goes on).</p>
 */
public final class DovecotEventsEndpoint implements HttpEndpoint {

    public static final String PATH = "/v1/events";

    private final DovecotEventsParser parser;
    private final EventRouter router;
    private final IntakeListener listener;
    private final String source;

    /**
     * @param source the label the events carry and the counts use ({@code dovecot})
     * @param clock  the time an event is said to have occurred (Dovecot's body gives none)
     */
    public DovecotEventsEndpoint(final String source, final Clock clock, final EventRouter router,
                                 final IntakeListener listener) {
        this.source = Objects.requireNonNull(source, "source");
        this.parser = new DovecotEventsParser(source, clock);
        this.router = Objects.requireNonNull(router, "router");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public CompletionStage<HttpAnswer> handle(final IntakeHttpRequest request) {
        final DovecotEventBatch batch;
        try {
            batch = parser.parse(request.body());
        } catch (final BadInputException e) {
            listener.badInput(source, e);
            return CompletableFuture.completedFuture(HttpAnswer.error(400, e.getMessage()));
        }
        for (final EventType type : batch.ignored()) {
            listener.eventIgnored(source, type);
        }
        int shed = 0;
        for (final MailboxEvent event : batch.events()) {
            listener.eventReceived(event);
            if (!router.offer(event)) {
                shed++;
            }
        }
        if (shed > 0) {
            return CompletableFuture.completedFuture(HttpAnswer.error(503, "routing queue full: " + shed + " of "
                    + batch.events().size() + " event(s) dropped").withHeader("Retry-After", "1"));
        }
        return CompletableFuture.completedFuture(HttpAnswer.json(202, "{\"queued\":" + batch.events().size()
                + ",\"ignored\":" + (batch.ignored().size() + batch.unknownNames()) + "}"));
    }
}
