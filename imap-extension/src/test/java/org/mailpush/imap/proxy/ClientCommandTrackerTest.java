package org.mailpush.imap.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailpush.imap.proxy.ClientCommandTracker.Next;
import static org.mailpush.imap.proxy.ClientCommandTracker.Route;
import static org.mailpush.imap.proxy.ClientCommandTracker.State;

/** Every transition of the client side's state machine, one by one. */
class ClientCommandTrackerTest {

    private final ClientCommandTracker tracker = new ClientCommandTracker();

    @Test
    void aOneLineCommandGoesFromCommandToCommandAndStaysOutstandingUntilItsAnswer() {
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        tracker.begin("a", "NOOP", Route.FORWARD);
        assertThat(tracker.state()).isEqualTo(State.CONTINUES);
        assertThat(tracker.lineRead(-1, false)).isEqualTo(Next.COMPLETE);
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        assertThat(tracker.isOutstanding("a")).isTrue();
        assertThat(tracker.serverTagged("a")).as("no state change: a was complete").isFalse();
        assertThat(tracker.outstanding()).isZero();
    }

    @Test
    void aNonSynchronizingLiteralIsReadAtOnceThenTheCommandContinues() {
        tracker.begin("a", "APPEND", Route.FORWARD);
        assertThat(tracker.lineRead(5, false)).isEqualTo(Next.LITERAL);
        assertThat(tracker.state()).isEqualTo(State.LITERAL);
        assertThat(tracker.literalLength()).isEqualTo(5);
        tracker.literalRead(false);
        assertThat(tracker.state()).isEqualTo(State.LITERAL);
        tracker.literalRead(true);
        assertThat(tracker.state()).isEqualTo(State.CONTINUES);
        assertThat(tracker.lineRead(-1, false)).isEqualTo(Next.COMPLETE);
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
    }

    @Test
    void anEmptyLiteralGoesStraightToTheNextLineOfTheCommand() {
        tracker.begin("a", "LOGIN", Route.FORWARD);
        assertThat(tracker.lineRead(0, false)).isEqualTo(Next.LITERAL);
        assertThat(tracker.state()).isEqualTo(State.CONTINUES);
    }

    @Test
    void aSynchronizingLiteralWaitsForTheServersContinuation() {
        tracker.begin("a", "APPEND", Route.FORWARD);
        assertThat(tracker.lineRead(10, true)).isEqualTo(Next.WAIT_FOR_SERVER);
        assertThat(tracker.state()).isEqualTo(State.AWAITING_LITERAL_CONTINUATION);
        assertThat(tracker.mayReadClient()).isFalse();
        assertThat(tracker.serverContinuation()).isEqualTo(State.LITERAL);
        assertThat(tracker.mayReadClient()).isTrue();
        tracker.literalRead(true);
        assertThat(tracker.state()).isEqualTo(State.CONTINUES);
    }

    @Test
    void aRefusedSynchronizingLiteralEndsTheCommand() {
        tracker.begin("a", "APPEND", Route.FORWARD);
        tracker.lineRead(10, true);
        assertThat(tracker.serverTagged("a")).isTrue();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        assertThat(tracker.outstanding()).isZero();
    }

    @Test
    void anotherCommandsAnswerDoesNotEndTheWait() {
        tracker.begin("a", "NOOP", Route.FORWARD);
        tracker.lineRead(-1, false);
        tracker.begin("b", "APPEND", Route.FORWARD);
        tracker.lineRead(10, true);
        assertThat(tracker.serverTagged("a")).isFalse();
        assertThat(tracker.state()).isEqualTo(State.AWAITING_LITERAL_CONTINUATION);
        assertThat(tracker.outstanding()).isEqualTo(1);
    }

    @Test
    void theProxysOwnCommandsAnswerTheirSynchronizingLiteralsThemselves() {
        tracker.begin("x", "XAPPLEPUSHSERVICE", Route.PROXY);
        assertThat(tracker.outstanding()).as("never sent, never outstanding").isZero();
        assertThat(tracker.lineRead(3, true)).isEqualTo(Next.PROXY_CONTINUATION);
        assertThat(tracker.state()).isEqualTo(State.LITERAL);
    }

    @Test
    void aDiscardedCommandsSynchronizingLiteralIsNeverSentSoTheCommandEnds() {
        tracker.begin("c", "COMPRESS", Route.DISCARD);
        assertThat(tracker.lineRead(3, true)).isEqualTo(Next.COMPLETE);
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        tracker.begin("d", "COMPRESS", Route.DISCARD);
        assertThat(tracker.lineRead(3, false)).as("but a non-synchronizing one comes anyway").isEqualTo(Next.LITERAL);
    }

    @Test
    void idleWaitsForItsContinuationThenOneLineEndsItWhileItStaysOutstanding() {
        tracker.begin("i", "IDLE", Route.FORWARD);
        assertThat(tracker.lineRead(-1, false)).isEqualTo(Next.WAIT_FOR_SERVER);
        assertThat(tracker.state()).isEqualTo(State.AWAITING_IDLE_CONTINUATION);
        assertThat(tracker.serverContinuation()).isEqualTo(State.IDLING);
        tracker.idleEnded();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        assertThat(tracker.isOutstanding("i")).isTrue();
        assertThat(tracker.serverTagged("i")).isFalse();
        assertThat(tracker.outstanding()).isZero();
    }

    @Test
    void aRefusedIdleOrOneTheServerEndsReturnsToCommands() {
        tracker.begin("i", "IDLE", Route.FORWARD);
        tracker.lineRead(-1, false);
        assertThat(tracker.serverTagged("i")).isTrue();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
        tracker.begin("j", "IDLE", Route.FORWARD);
        tracker.lineRead(-1, false);
        tracker.serverContinuation();
        assertThat(tracker.serverTagged("j")).isTrue();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
    }

    @Test
    void authenticateTakesOneResponsePerChallengeUntilItsAnswer() {
        tracker.begin("a", "AUTHENTICATE", Route.FORWARD);
        assertThat(tracker.lineRead(-1, false)).isEqualTo(Next.WAIT_FOR_SERVER);
        assertThat(tracker.state()).isEqualTo(State.AWAITING_AUTHENTICATE_CONTINUATION);
        assertThat(tracker.serverContinuation()).isEqualTo(State.AUTHENTICATE_RESPONSE);
        tracker.authenticateResponseRead();
        assertThat(tracker.state()).isEqualTo(State.AWAITING_AUTHENTICATE_CONTINUATION);
        assertThat(tracker.serverContinuation()).isEqualTo(State.AUTHENTICATE_RESPONSE);
        assertThat(tracker.serverTagged("a")).isTrue();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
    }

    @Test
    void anUnsolicitedContinuationChangesNothing() {
        assertThat(tracker.serverContinuation()).isNull();
        tracker.begin("a", "NOOP", Route.FORWARD);
        tracker.lineRead(-1, false);
        assertThat(tracker.serverContinuation()).isNull();
        assertThat(tracker.state()).isEqualTo(State.COMMAND);
    }

    @Test
    void aTagAlreadyOutstandingCannotBeginAndWrongTransitionsAreBugs() {
        tracker.begin("a", "NOOP", Route.FORWARD);
        tracker.lineRead(-1, false);
        assertThatThrownBy(() -> tracker.begin("a", "NOOP", Route.FORWARD)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tracker.literalRead(true)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tracker::idleEnded).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tracker::authenticateResponseRead).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tracker.lineRead(-1, false)).isInstanceOf(IllegalStateException.class);
        tracker.begin("b", "APPEND", Route.FORWARD);
        tracker.lineRead(4, true);
        assertThatThrownBy(() -> tracker.begin("c", "NOOP", Route.FORWARD)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anIdTheProxyRewroteAndSentIsOutstanding() {
        tracker.begin("i", "ID", Route.PROXY);
        tracker.lineRead(-1, false);
        assertThat(tracker.isOutstanding("i")).isFalse();
        tracker.forwardedByProxy("i");
        assertThat(tracker.isOutstanding("i")).isTrue();
    }
}
