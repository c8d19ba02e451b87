package org.mailpush.notifyd.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Serves the requests of one connection: checks the shared secret, finds the endpoint for the path, and writes the
 * endpoint's answers in request order (HTTP/1.1 allows a client to pipeline, and answers may complete out of order
 * on the routing thread). While an answer is pending it stops reading, so a pipelining client cannot queue requests
 * without bound. One instance per connection.
 */
final class IntakeRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeRequestHandler.class);

    private final String source;
    private final Map<String, HttpIntakeServer.Route> routes;
    private final SharedSecret secret;
    private final IntakeListener listener;
    private CompletableFuture<Void> previousWrite = CompletableFuture.completedFuture(null);
    /** Requests read and not yet answered; reading resumes only at 0. Touched on the channel's thread only. */
    private int pending;

    IntakeRequestHandler(final String source, final Map<String, HttpIntakeServer.Route> routes,
                         final SharedSecret secret, final IntakeListener listener) {
        this.source = source;
        this.routes = routes;
        this.secret = secret;
        this.listener = listener;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
        final boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        final CompletableFuture<HttpAnswer> answer = answer(request);
        ctx.channel().config().setAutoRead(false);
        pending++;
        // Written on the channel's own thread, one after the other: an answer completed there could otherwise be
        // written at once, ahead of an earlier answer another thread has only queued for it (answers out of order).
        previousWrite = previousWrite.thenCombine(answer, (ignored, reply) -> reply)
                .thenAcceptAsync(reply -> write(ctx, reply, keepAlive), ctx.executor())
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        // Every later answer on this connection would wait on this one: close it instead.
                        LOG.error("{}: could not answer a request; closing the connection", source, error);
                        ctx.close();
                    }
                });
    }

    private CompletableFuture<HttpAnswer> answer(final FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            return refuse(BadInputKind.BAD_REQUEST, 400, "malformed HTTP request: "
                    + request.decoderResult().cause().getMessage());
        }
        if (secret != null && !secret.accepts(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            final boolean absent = !request.headers().contains(HttpHeaderNames.AUTHORIZATION);
            return refuse(BadInputKind.UNAUTHENTICATED, 401, absent
                    ? "this listener needs the shared secret: send Authorization: Bearer <secret>"
                    : "wrong shared secret in the Authorization header")
                    .thenApply(a -> a.withHeader("WWW-Authenticate", "Bearer realm=\"mailpush\""));
        }
        final String path = new QueryStringDecoder(request.uri()).path();
        final HttpIntakeServer.Route route = routes.get(path);
        if (route == null) {
            return refuse(BadInputKind.BAD_REQUEST, 404, "no endpoint " + path + " here; this listener serves "
                    + String.join(", ", routes.keySet()));
        }
        if (!route.method().equals(request.method().name())) {
            return refuse(BadInputKind.BAD_REQUEST, 405, path + " takes " + route.method() + ", not "
                    + request.method().name()).thenApply(a -> a.withHeader("Allow", route.method()));
        }
        final String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        final IntakeHttpRequest intake = new IntakeHttpRequest(path, contentType,
                ByteBufUtil.getBytes(request.content()));
        try {
            return route.endpoint().handle(intake).toCompletableFuture().exceptionally(error -> {
                LOG.error("{}: endpoint {} failed", source, path, error);
                return HttpAnswer.error(500, "internal error; see the mailpush log");
            });
        } catch (final RuntimeException e) {
            LOG.error("{}: endpoint {} failed", source, path, e);
            return CompletableFuture.completedFuture(HttpAnswer.error(500, "internal error; see the mailpush log"));
        }
    }

    private CompletableFuture<HttpAnswer> refuse(final BadInputKind kind, final int status, final String message) {
        listener.badInput(source, new BadInputException(kind, message));
        return CompletableFuture.completedFuture(HttpAnswer.error(status, message));
    }

    private void write(final ChannelHandlerContext ctx, final HttpAnswer answer, final boolean keepAlive) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                answer.reason() == null ? HttpResponseStatus.valueOf(answer.status())
                        : new HttpResponseStatus(answer.status(), answer.reason()),
                Unpooled.wrappedBuffer(answer.body()));
        if (answer.contentType() != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        }
        answer.headers().forEach(response.headers()::set);
        HttpUtil.setContentLength(response, answer.body().length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response).addListener(written -> {
                // Several requests decoded from one read are answered one by one: read on after the last.
                if (--pending == 0) {
                    ctx.channel().config().setAutoRead(true);
                    ctx.read();
                }
            });
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            LOG.debug("{}: connection error: {}", source, cause.toString());
        } else {
            LOG.warn("{}: closing a connection after an error: {}", source, cause.toString());
        }
        ctx.close();
    }
}
