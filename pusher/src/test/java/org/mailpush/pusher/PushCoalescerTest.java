package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.pusher.PushCoalescer.Action;
import org.mailpush.pusher.PushCoalescer.Decision;
import org.mailpush.pusher.PushCoalescer.State;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The coalescing state machine on a synthetic clock (nanoseconds). */
class PushCoalescerTest {

    static final long SECOND = 1_000_000_000L;
    static final long WINDOW = SECOND;
    static final long CHANGE_DELAY = 30 * SECOND;
    static final long DAV_CHANGE_DELAY = 3 * SECOND;

    private final PushCoalescer coalescer = new PushCoalescer(WINDOW, CHANGE_DELAY, DAV_CHANGE_DELAY, 3);

    private static Registration device(final int n) {
        return Registration.of("u", "ACC", String.format("%064x", n), "com.apple.mobilemail", 2, Set.of("INBOX"),
                "topic", Instant.EPOCH);
    }

    /** Device {@code n}'s subscription to calendar {@code collection}. */
    private static DavSubscription calendar(final int n, final String collection) {
        return new DavSubscription(String.format("%064x", n), collection, "alice/" + collection,
                "com.apple.calendar.XServer.TEST", PushTarget.Kind.CALENDAR, "alice", Instant.EPOCH, Instant.EPOCH,
                Instant.EPOCH.plusSeconds(86_400));
    }

    @Test
    void firstNewMailGoesOutAtOnceAndABurstBecomesOneTrailingPush() {
        final Decision first = coalescer.offer(device(1), PushKind.NEW_MAIL, 0);
        assertThat(first.action()).isEqualTo(Action.SEND_NOW);
        final PushCoalescer.Entry entry = first.entry();

        // Before the push is even sent, more mail is covered by it.
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 1).action()).isEqualTo(Action.COALESCED);
        coalescer.started(entry);
        // While in flight, the first further event asks for one follow-up; the rest are absorbed.
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 2).action()).isEqualTo(Action.NOTHING);
        for (int i = 0; i < 50; i++) {
            assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 3 + i).action()).isEqualTo(Action.COALESCED);
        }
        final Decision afterSend = coalescer.completed(entry, 100, false);
        assertThat(afterSend.action()).isEqualTo(Action.SCHEDULE);
        assertThat(afterSend.dueAt()).as("the trailing push waits for the window").isEqualTo(100 + WINDOW);
        assertThat(entry.state).isEqualTo(State.TRAILING);

        assertThat(coalescer.timerFired(entry, 100 + WINDOW).action()).isEqualTo(Action.SEND_NOW);
        coalescer.started(entry);
        assertThat(coalescer.completed(entry, 200 + WINDOW, false).action()).as("no timer for cooling")
                .isEqualTo(Action.NOTHING);
        assertThat(entry.state).isEqualTo(State.COOLING);
        assertThat(coalescer.size()).as("nothing pending").isZero();
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 200 + 2 * WINDOW).action())
                .as("after the window, new mail goes out at once again").isEqualTo(Action.SEND_NOW);
    }

    @Test
    void newMailWithinTheWindowAfterAPushWaitsForTheWindowEnd() {
        final PushCoalescer.Entry entry = coalescer.offer(device(1), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(entry);
        coalescer.completed(entry, 10, false);
        final Decision next = coalescer.offer(device(1), PushKind.NEW_MAIL, 10 + WINDOW / 2);
        assertThat(next.action()).isEqualTo(Action.SCHEDULE);
        assertThat(next.dueAt()).isEqualTo(10 + WINDOW);
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 10 + WINDOW / 2 + 1).action())
                .isEqualTo(Action.COALESCED);
    }

    @Test
    void changesWaitAndCoalesceAndNewMailFlushesThemEarly() {
        final Decision change = coalescer.offer(device(1), PushKind.MAILBOX_CHANGE, 0);
        assertThat(change.action()).isEqualTo(Action.SCHEDULE);
        assertThat(change.dueAt()).isEqualTo(CHANGE_DELAY);
        assertThat(coalescer.offer(device(1), PushKind.MAILBOX_CHANGE, SECOND).action()).isEqualTo(Action.COALESCED);

        final Decision mail = coalescer.offer(device(1), PushKind.NEW_MAIL, 2 * SECOND);
        assertThat(mail.action()).isEqualTo(Action.SEND_NOW_MERGED);
        assertThat(change.entry().state).isEqualTo(State.QUEUED);
    }

    @Test
    void aChangeDuringAPushIsFollowedUpAfterTheDelayAndNewMailUpgradesIt() {
        final PushCoalescer.Entry entry = coalescer.offer(device(1), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(entry);
        assertThat(coalescer.offer(device(1), PushKind.MAILBOX_CHANGE, 1).action()).isEqualTo(Action.NOTHING);
        assertThat(coalescer.completed(entry, 2, false).dueAt()).isEqualTo(2 + CHANGE_DELAY);

        final PushCoalescer.Entry other = coalescer.offer(device(2), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(other);
        coalescer.offer(device(2), PushKind.MAILBOX_CHANGE, 1);
        assertThat(coalescer.offer(device(2), PushKind.NEW_MAIL, 2).action()).isEqualTo(Action.COALESCED);
        assertThat(coalescer.completed(other, 3, false).dueAt()).as("upgraded to new mail").isEqualTo(3 + WINDOW);
    }

    @Test
    void aRetryCoversWhatArrivedDuringTheFailedAttempt() {
        final PushCoalescer.Entry entry = coalescer.offer(device(1), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(entry);
        coalescer.offer(device(1), PushKind.NEW_MAIL, 1);
        assertThat(coalescer.retrying(entry)).isTrue();
        assertThat(entry.state).isEqualTo(State.QUEUED);
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 2).action()).isEqualTo(Action.COALESCED);
    }

    @Test
    void aRemovedDeviceIsForgottenWithItsFollowUp() {
        final PushCoalescer.Entry entry = coalescer.offer(device(1), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(entry);
        coalescer.offer(device(1), PushKind.NEW_MAIL, 1);
        assertThat(coalescer.completed(entry, 2, true).action()).isEqualTo(Action.NOTHING);
        assertThat(coalescer.size()).isZero();
    }

    @Test
    void devicesBeyondTheCapacityAreShed() {
        coalescer.offer(device(1), PushKind.NEW_MAIL, 0);
        coalescer.offer(device(2), PushKind.MAILBOX_CHANGE, 0);
        coalescer.offer(device(3), PushKind.NEW_MAIL, 0);
        assertThat(coalescer.offer(device(4), PushKind.NEW_MAIL, 0)).isEqualTo(Decision.SHED);
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 0).action())
                .as("a device already pending is never shed").isEqualTo(Action.COALESCED);
    }

    @Test
    void devicesThatAreOnlyCoolingDoNotCountAgainstTheCapacityAndTheOldestAreForgotten() {
        final PushCoalescer.Entry[] done = new PushCoalescer.Entry[3];
        for (int n = 1; n <= 3; n++) {
            done[n - 1] = coalescer.offer(device(n), PushKind.NEW_MAIL, n).entry();
            coalescer.started(done[n - 1]);
            coalescer.completed(done[n - 1], 10 + n, false);
        }
        assertThat(coalescer.size()).isZero();
        // A new burst over three other devices is not shed; a fourth cooling device pushes out the oldest.
        for (int n = 4; n <= 6; n++) {
            assertThat(coalescer.offer(device(n), PushKind.NEW_MAIL, 20).action()).isEqualTo(Action.SEND_NOW);
        }
        final PushCoalescer.Entry fourth = coalescer.offer(device(7), PushKind.NEW_MAIL, 20).entry();
        assertThat(fourth).as("capacity 3 pending").isNull();
        final PushCoalescer.Entry four = coalescer.offer(device(4), PushKind.NEW_MAIL, 21).entry();
        coalescer.started(four);
        coalescer.completed(four, 30, false);
        assertThat(coalescer.offer(device(1), PushKind.NEW_MAIL, 31).action())
                .as("device 1 was forgotten, so its next mail goes out at once").isEqualTo(Action.SEND_NOW);
        assertThat(coalescer.offer(device(2), PushKind.NEW_MAIL, 31).action())
                .as("device 2 is still cooling").isEqualTo(Action.SCHEDULE);
    }

    @Test
    void flushMakesWaitingPushesDueAndForgetsCoolingOnes() {
        final PushCoalescer.Entry cooling = coalescer.offer(device(1), PushKind.NEW_MAIL, 0).entry();
        coalescer.started(cooling);
        coalescer.completed(cooling, 1, false);
        final PushCoalescer.Entry delayed = coalescer.offer(device(2), PushKind.MAILBOX_CHANGE, 0).entry();
        assertThat(coalescer.flush()).containsExactly(delayed);
        assertThat(coalescer.size()).isEqualTo(1);
    }

    @Test
    void aCollectionChangeWaitsForTheDavDelayAndLaterChangesWithinItAreCovered() {
        final Decision first = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0);
        assertThat(first.action()).isEqualTo(Action.SCHEDULE);
        assertThat(first.dueAt()).as("its own delay, not the mail change delay").isEqualTo(DAV_CHANGE_DELAY);
        assertThat(first.entry().state).isEqualTo(State.DELAYED);
        // The two or three events of one DAV write, and a second write a second later: all in the one push.
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 1).action())
                .isEqualTo(Action.COALESCED);
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, SECOND).action())
                .isEqualTo(Action.COALESCED);
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY - 1).action())
                .isEqualTo(Action.COALESCED);
        assertThat(first.entry().dueAt).as("later changes do not push the due time out").isEqualTo(DAV_CHANGE_DELAY);
        assertThat(coalescer.timerFired(first.entry(), DAV_CHANGE_DELAY).action()).isEqualTo(Action.SEND_NOW);
        assertThat(first.entry().state).isEqualTo(State.QUEUED);
    }

    @Test
    void eachCollectionOfADeviceAndEachDeviceOfACollectionHasItsOwnPush() {
        final PushCoalescer.Entry one = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        final PushCoalescer.Entry other = coalescer.offer(calendar(1, "c2"), PushKind.COLLECTION_CHANGE, 0).entry();
        final PushCoalescer.Entry device = coalescer.offer(calendar(2, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        assertThat(one).isNotSameAs(other).isNotSameAs(device);
        assertThat(coalescer.size()).isEqualTo(3);
    }

    @Test
    void aCollectionChangeWhileItsPushIsInFlightGivesOneFollowUpAfterTheLaterOfWindowAndDelay() {
        final PushCoalescer.Entry entry = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        coalescer.timerFired(entry, DAV_CHANGE_DELAY);
        coalescer.started(entry);
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 1).action())
                .as("asks for the follow-up").isEqualTo(Action.NOTHING);
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 2).action())
                .as("covered by the follow-up").isEqualTo(Action.COALESCED);
        final long done = DAV_CHANGE_DELAY + 10;
        final Decision followUp = coalescer.completed(entry, done, false);
        assertThat(followUp.action()).isEqualTo(Action.SCHEDULE);
        assertThat(followUp.dueAt()).as("the delay is longer than the window").isEqualTo(done + DAV_CHANGE_DELAY);
        assertThat(entry.state).isEqualTo(State.DELAYED);

        // With a window longer than the delay, the window's end wins.
        final PushCoalescer slowWindow = new PushCoalescer(10 * SECOND, CHANGE_DELAY, DAV_CHANGE_DELAY, 3);
        final PushCoalescer.Entry spaced = slowWindow.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        slowWindow.timerFired(spaced, DAV_CHANGE_DELAY);
        slowWindow.started(spaced);
        slowWindow.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 1);
        assertThat(slowWindow.completed(spaced, done, false).dueAt()).isEqualTo(done + 10 * SECOND);
    }

    @Test
    void aCollectionChangeSoonAfterAPushWaitsItsDelayAndTheWindowAtLeast() {
        final PushCoalescer.Entry entry = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        coalescer.timerFired(entry, DAV_CHANGE_DELAY);
        coalescer.started(entry);
        assertThat(coalescer.completed(entry, DAV_CHANGE_DELAY, false).action()).isEqualTo(Action.NOTHING);
        assertThat(entry.state).isEqualTo(State.COOLING);
        final long later = DAV_CHANGE_DELAY + SECOND / 2;
        final Decision next = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, later);
        assertThat(next.action()).isEqualTo(Action.SCHEDULE);
        assertThat(next.dueAt()).isEqualTo(later + DAV_CHANGE_DELAY);
        assertThat(next.entry()).as("the same entry, out of cooling").isSameAs(entry);
        assertThat(coalescer.size()).isEqualTo(1);
    }

    @Test
    void aCollectionChangeThatFailsAndIsRetriedCoversTheChangesMeanwhile() {
        final PushCoalescer.Entry entry = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        coalescer.timerFired(entry, DAV_CHANGE_DELAY);
        coalescer.started(entry);
        coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 1);
        assertThat(coalescer.retrying(entry)).as("the follow-up is absorbed into the retry").isTrue();
        coalescer.started(entry);
        assertThat(coalescer.completed(entry, DAV_CHANGE_DELAY + 5, false).action())
                .as("nothing left to push").isEqualTo(Action.NOTHING);
    }

    @Test
    void aRemovedSubscriptionIsForgottenWithItsFollowUp() {
        final PushCoalescer.Entry entry = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        coalescer.timerFired(entry, DAV_CHANGE_DELAY);
        coalescer.started(entry);
        coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 1);
        assertThat(coalescer.completed(entry, DAV_CHANGE_DELAY + 2, true).action()).isEqualTo(Action.NOTHING);
        assertThat(coalescer.size()).isZero();
        assertThat(coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, DAV_CHANGE_DELAY + 3).entry())
                .as("a new entry if it comes back").isNotSameAs(entry);
    }

    @Test
    void aZeroDavDelaySchedulesThePushForNow() {
        final PushCoalescer immediate = new PushCoalescer(WINDOW, CHANGE_DELAY, 0, 3);
        final Decision first = immediate.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 7);
        assertThat(first.action()).isEqualTo(Action.SCHEDULE);
        assertThat(first.dueAt()).isEqualTo(7);
    }

    @Test
    void flushSendsAWaitingCollectionChangeNow() {
        final PushCoalescer.Entry delayed = coalescer.offer(calendar(1, "c1"), PushKind.COLLECTION_CHANGE, 0).entry();
        assertThat(coalescer.flush()).containsExactly(delayed);
        assertThat(delayed.state).isEqualTo(State.QUEUED);
    }
}
