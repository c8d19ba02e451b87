package org.mailpush.notifyd.cyrus;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import org.mailpush.notifyd.intake.IntakeBacklog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Each transition of the notify socket's read pause, on an embedded channel with a frozen clock. */
class BacklogReadPauseTest {

    /** A backlog whose fill the test sets. */
    private static final class Backlog implements IntakeBacklog {
        boolean nearlyFull;
        boolean drained = true;

        void fill() {
            nearlyFull = true;
            drained = false;
        }

        void halfEmpty() {
            nearlyFull = false;
            drained = false;
        }

        void empty() {
            nearlyFull = false;
            drained = true;
        }

        @Override
        public boolean nearlyFull() {
            return nearlyFull;
        }

        @Override
        public boolean drained() {
            return drained;
        }
    }

    private final Backlog backlog = new Backlog();
    private final List<Object> passedOn = new ArrayList<>();
    private BacklogReadPause pause;
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        pause = new BacklogReadPause(backlog);
        channel = new EmbeddedChannel(pause, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
                passedOn.add(msg);
            }
        });
        channel.freezeTime();
    }

    private void read(final String datagram) {
        channel.writeInbound(datagram);
    }

    private boolean reading() {
        return channel.config().isAutoRead();
    }

    private void advanceMillis(final long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void readingWithRoomPassesEveryDatagramOnAndKeepsReading() {
        read("one");
        read("two");
        assertThat(passedOn).containsExactly("one", "two");
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.READING);
        assertThat(reading()).isTrue();
        assertThat(pause.pauses()).isZero();
    }

    @Test
    void aNearlyFullBacklogStopsReadingAfterPassingTheDatagramOn() {
        backlog.fill();
        read("the one that filled it");
        assertThat(passedOn).containsExactly("the one that filled it");
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.PAUSED);
        assertThat(reading()).isFalse();
        assertThat(pause.pauses()).isEqualTo(1);
    }

    @Test
    void aPauseEndsOnceTheBacklogDrainedNotWhileItIsOnlyBelowFull() {
        backlog.fill();
        read("filling");
        backlog.halfEmpty();
        advanceMillis(BacklogReadPause.CHECK_MILLIS * 3);
        assertThat(reading()).as("below full is not drained: still paused").isFalse();
        backlog.empty();
        advanceMillis(BacklogReadPause.CHECK_MILLIS);
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.READING);
        assertThat(reading()).isTrue();
    }

    @Test
    void aBacklogFullForTheLongestPauseReadsOnAndDoesNotStopAgainUntilDrained() {
        backlog.fill();
        read("filling");
        advanceMillis(BacklogReadPause.MAX_PAUSE_MILLIS - 1);
        assertThat(reading()).isFalse();
        advanceMillis(1);
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.SHEDDING);
        assertThat(reading()).as("Cyrus is held back at most a second").isTrue();

        read("while still full"); // the router sheds it; this door does not stop again
        assertThat(reading()).isTrue();
        assertThat(pause.pauses()).isEqualTo(1);

        backlog.empty();
        read("after draining");
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.READING);
        backlog.fill();
        read("filling again");
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.PAUSED);
        assertThat(pause.pauses()).isEqualTo(2);
        assertThat(passedOn).containsExactly("filling", "while still full", "after draining", "filling again");
    }

    @Test
    void aPauseThatEndedByDrainingLeavesNoTimerToEndTheNextOneEarly() {
        backlog.fill();
        read("first");
        backlog.empty();
        advanceMillis(BacklogReadPause.CHECK_MILLIS);
        backlog.fill();
        read("second");
        // The first pause's give-up timer would fire here if it had not been cancelled.
        advanceMillis(BacklogReadPause.MAX_PAUSE_MILLIS - BacklogReadPause.CHECK_MILLIS);
        assertThat(pause.state()).isEqualTo(BacklogReadPause.State.PAUSED);
        assertThat(reading()).isFalse();
    }

    @Test
    void closingWhilePausedCancelsItsTimers() {
        backlog.fill();
        read("filling");
        channel.close();
        advanceMillis(BacklogReadPause.MAX_PAUSE_MILLIS * 2);
        assertThat(pause.state()).as("no timer ran after the close").isEqualTo(BacklogReadPause.State.PAUSED);
    }
}
