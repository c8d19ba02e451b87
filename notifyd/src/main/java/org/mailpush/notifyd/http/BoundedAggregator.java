package org.mailpush.notifyd.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpMessage;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;

/**
 * Collects a request body up to the server's limit. Netty's aggregator already answers {@code Expect:
 * 100-continue} (Dovecot's HTTP client waits two seconds for that interim answer before sending the body anyway)
 * and refuses larger bodies with 413; this subclass only counts the refusals.
 */
final class BoundedAggregator extends HttpObjectAggregator {

    private final String source;
    private final IntakeListener listener;

    BoundedAggregator(final String source, final int maxBodyBytes, final IntakeListener listener) {
        super(maxBodyBytes);
        this.source = source;
        this.listener = listener;
    }

    @Override
    protected Object newContinueResponse(final HttpMessage start, final int maxContentLength,
                                         final ChannelPipeline pipeline) {
        final Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        // A body announced too large is refused here, before the client sends it; count it like any other.
        if (response instanceof HttpResponse refusal
                && refusal.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            listener.badInput(source, new BadInputException(BadInputKind.TOO_LARGE,
                    "request body larger than " + maxContentLength + " bytes (announced with Expect: 100-continue)"));
        }
        return response;
    }

    @Override
    protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized)
            throws Exception {
        listener.badInput(source, new BadInputException(BadInputKind.TOO_LARGE,
                "request body larger than " + maxContentLength() + " bytes"));
        super.handleOversizedMessage(ctx, oversized);
    }
}
