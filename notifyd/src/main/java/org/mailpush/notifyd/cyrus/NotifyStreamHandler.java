package org.mailpush.notifyd.cyrus;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.queue.DurableQueue;
import org.mailpush.notifyd.queue.QueueFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Serves one stream-mode connection: one notification, one answer. An event is answered {@code OK} only after it
 * is written and synced to the durable queue, so an event Cyrus saw acknowledged survives a crash of mailpush; a
 * notification that cannot be taken (malformed, queue full, disk error) is answered {@code NO}, which Cyrus logs.
 * Parsing runs on the event loop; the queue write runs on the queue's own thread.
 */
final class NotifyStreamHandler extends SimpleChannelInboundHandler<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(NotifyStreamHandler.class);
    static final byte[] OK = "OK %()\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] NO = "NO %()\r\n".getBytes(StandardCharsets.US_ASCII);

    private final DlistNotifyParser notifications;
    private final CyrusEventParser events;
    private final DurableQueue queue;
    private final Executor queueWriter;
    private final IntakeListener listener;
    private final DurableEventSink sink;

    NotifyStreamHandler(final DlistNotifyParser notifications, final CyrusEventParser events,
                        final DurableQueue queue, final Executor queueWriter, final IntakeListener listener,
                        final DurableEventSink sink) {
        this.notifications = notifications;
        this.events = events;
        this.queue = queue;
        this.queueWriter = queueWriter;
        this.listener = listener;
        this.sink = sink;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final byte[] frame) {
        final long receivedAt = System.nanoTime();
        final NotifyDatagram notification;
        final CyrusEventParser.Parsed parsed;
        try {
            notification = notifications.parse(frame);
            parsed = events.parse(notification, receivedAt);
        } catch (final BadInputException e) {
            listener.badInput(CyrusEventParser.SOURCE, e);
            answer(ctx, NO);
            return;
        }
        if (parsed.event().isEmpty()) {
            listener.eventIgnored(CyrusEventParser.SOURCE, parsed.type());
            answer(ctx, OK);
            return;
        }
        final IntakeEvent event = parsed.event().get();
        try {
            queueWriter.execute(() -> store(ctx, notification, event));
        } catch (final RejectedExecutionException e) {
            answer(ctx, NO);
        }
    }

    private void store(final ChannelHandlerContext ctx, final NotifyDatagram notification, final IntakeEvent event) {
        final long sequence;
        try {
            sequence = queue.append(notification.encode());
        } catch (final QueueFullException e) {
            listener.eventShed(event);
            answer(ctx, NO);
            return;
        } catch (final IOException | RuntimeException e) {
            LOG.error("Could not queue a {} event durably; Cyrus is told NO: {}", event.type().wireName(),
                    e.toString());
            answer(ctx, NO);
            return;
        }
        answer(ctx, OK);
        listener.eventReceived(event);
        sink.accept(event, () -> queue.done(sequence));
    }

    private static void answer(final ChannelHandlerContext ctx, final byte[] reply) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(reply)).addListener(ChannelFutureListener.CLOSE);
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
        if (cause instanceof DecoderException && cause.getCause() instanceof TooLongFrameException
                || cause instanceof TooLongFrameException) {
            listener.badInput(CyrusEventParser.SOURCE, new BadInputException(BadInputKind.TOO_LARGE,
                    cause.getMessage()));
            answer(ctx, NO);
            return;
        }
        LOG.debug("Notify stream connection error: {}", cause.toString());
        ctx.close();
    }
}
