package org.mailpush.notifyd.cyrus;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.mailpush.notifyd.intake.IntakeBacklog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Stops reading the notify socket while the routing backlog is nearly full, so that a burst waits in the kernel's
 * queue and in Cyrus's {@code sendto} (which blocks while that queue is full) instead of being shed here; reads on
 * once the backlog has drained. Never for long: Cyrus's processes (lmtpd delivering mail, imapd) wait while the
 * socket is not read, and mail delivery must not wait on push. After {@link #MAX_PAUSE_MILLIS} it reads on even if
 * the backlog is still full — what then does not fit is shed and counted by the router — and does not stop again
 * until the backlog has drained.
 *
 * <p>One job, before the datagram handler in the pipeline: it passes each datagram on, then looks at the backlog.
 * Runs on the socket's event loop only; its timers are that loop's.</p>
 */
final class BacklogReadPause extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(BacklogReadPause.class);

    /** The longest Cyrus is held back at a time. A second is a short delay to a delivery, and an age in a backlog. */
    static final long MAX_PAUSE_MILLIS = 1_000;
    /** How often a pause looks whether the backlog drained: well under the time a full backlog takes to drain. */
    static final long CHECK_MILLIS = 5;

    /**
     * The states and their transitions: READING to PAUSED (nearly full), PAUSED to READING (drained), PAUSED to
     * SHEDDING (held back too long), SHEDDING to READING (drained).
     */
    enum State { READING, PAUSED, SHEDDING }

    private final IntakeBacklog backlog;
    private State state = State.READING;
    private ScheduledFuture<?> check;
    private ScheduledFuture<?> giveUp;
    private long pauses;

    BacklogReadPause(final IntakeBacklog backlog) {
        this.backlog = backlog;
    }

    State state() {
        return state;
    }

    /** How many times reading stopped. */
    long pauses() {
        return pauses;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        ctx.fireChannelRead(msg);
        switch (state) {
            case READING -> {
                if (backlog.nearlyFull()) {
                    pause(ctx);
                }
            }
            case SHEDDING -> {
                if (backlog.drained()) {
                    LOG.info("The routing backlog drained: reading the notify socket is held back again when it fills");
                    state = State.READING;
                }
            }
            case PAUSED -> {
                // Read in the same read loop as the datagram that paused it: nothing to decide.
            }
        }
    }

    private void pause(final ChannelHandlerContext ctx) {
        state = State.PAUSED;
        pauses++;
        ctx.channel().config().setAutoRead(false);
        check = ctx.executor().scheduleAtFixedRate(() -> {
            if (backlog.drained()) {
                resume(ctx, State.READING);
            }
        }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        giveUp = ctx.executor().schedule(() -> {
            if (state == State.PAUSED) {
                LOG.warn("The routing backlog stayed full for {} ms: reading the notify socket on so that Cyrus"
                        + " does not wait; events that do not fit are shed and counted (mailpush_events_shed_total)",
                        MAX_PAUSE_MILLIS);
                resume(ctx, State.SHEDDING);
            }
        }, MAX_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void resume(final ChannelHandlerContext ctx, final State next) {
        cancelTimers();
        state = next;
        ctx.channel().config().setAutoRead(true);
    }

    private void cancelTimers() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        if (giveUp != null) {
            giveUp.cancel(false);
            giveUp = null;
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        cancelTimers();
        ctx.fireChannelInactive();
    }
}
