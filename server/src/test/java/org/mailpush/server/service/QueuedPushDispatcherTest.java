package org.mailpush.server.service;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.event.MailboxType;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushQueue;
import org.mailpush.store.PushTarget;
import org.mailpush.store.QueuedPush;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The intake side of a split install writes pushes into the store's queue, up to store.max-queued-pushes. */
class QueuedPushDispatcherTest {

    @TempDir
    Path dir;
    TokenStore store;
    PushQueue pushQueue;

    @BeforeEach
    void open() {
        store = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        pushQueue = store.pushQueue();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void pushesAreQueuedWithTheirKindAndPastTheBoundShedAndCounted() {
        final QueuedPushDispatcher queue = new QueuedPushDispatcher(pushQueue, 3, Duration.ofHours(1));
        final AtomicInteger done = new AtomicInteger();
        queue.dispatch(intent(0, EventType.MESSAGE_NEW), done::incrementAndGet);
        queue.dispatch(intent(1, EventType.MESSAGE_READ), done::incrementAndGet);
        for (int n = 2; n < 7; n++) {
            queue.dispatch(intent(n, EventType.MESSAGE_NEW), done::incrementAndGet);
        }
        final List<QueuedPush> queued = pushQueue.read(0, 100);
        assertThat(queued).extracting(p -> ((RegistrationKey) p.target()).accountId())
                .containsExactly("ACC-0", "ACC-1", "ACC-2");
        assertThat(queued).extracting(QueuedPush::newMail).containsExactly(true, false, true);
        assertThat(queue.shed()).isEqualTo(4);
        assertThat(queue.queuedEstimate()).isEqualTo(3);
        assertThat(done).as("every event is done with, queued or shed").hasValue(7);
    }

    @Test
    void theDepthIsRecountedSoADrainedQueueTakesPushesAgain() {
        final QueuedPushDispatcher queue = new QueuedPushDispatcher(pushQueue, 2, Duration.ZERO);
        for (int n = 0; n < 3; n++) {
            queue.dispatch(intent(n, EventType.MESSAGE_NEW));
        }
        assertThat(queue.shed()).isEqualTo(1);
        // The pusher process drains the queue.
        pushQueue.remove(pushQueue.read(0, 100).stream().map(QueuedPush::id).toList());
        queue.dispatch(intent(3, EventType.MESSAGE_NEW));
        assertThat(pushQueue.read(0, 100)).extracting(p -> ((RegistrationKey) p.target()).accountId())
                .containsExactly("ACC-3");
        assertThat(queue.shed()).isEqualTo(1);
    }

    @Test
    void pushesQueuedByAnotherProcessCountAgainstTheBound() {
        final Registration other = registration(99);
        for (int n = 0; n < 5; n++) {
            pushQueue.enqueue(other.key(), true, Instant.now());
        }
        final QueuedPushDispatcher queue = new QueuedPushDispatcher(pushQueue, 5, Duration.ofHours(1));
        queue.dispatch(intent(0, EventType.MESSAGE_NEW));
        assertThat(queue.shed()).isEqualTo(1);
        assertThat(pushQueue.size()).isEqualTo(5);
    }

    /** A DAV push goes into the same queue, as the subscription's key; "new mail" means nothing to it. */
    @Test
    void aDavPushIsQueuedByItsSubscriptionsKey() {
        final Instant at = Instant.parse("2026-12-01T15:39:50Z");
        final DavSubscription subscription = new DavSubscription("ab".repeat(32), "1178pie115u8qv1hhvvk0myj",
                "bob/1178pie115u8qv1hhvvk0myj", "com.apple.calendar.XServer.t", PushTarget.Kind.CALENDAR, "bob",
                at, at, at.plus(Duration.ofDays(1)));
        final QueuedPushDispatcher queue = new QueuedPushDispatcher(pushQueue, 3, Duration.ofHours(1));
        queue.dispatch(new PushIntent(subscription, new MailboxEvent("test", EventType.MESSAGE_NEW, "bob",
                "#calendars/Default", 1, 1L, Instant.now(), System.nanoTime(), MailboxType.CALENDAR,
                subscription.collectionId())));
        queue.dispatch(intent(0, EventType.MESSAGE_NEW));
        assertThat(pushQueue.read(0, 10)).extracting(QueuedPush::target)
                .containsExactly(subscription.key(), registration(0).key());
        assertThat(pushQueue.read(0, 10)).extracting(QueuedPush::newMail).containsExactly(false, true);
    }

    private static PushIntent intent(final int n, final EventType type) {
        return new PushIntent(registration(n), new MailboxEvent("test", type, "bob", "INBOX", 1, n + 1L,
                Instant.now(), System.nanoTime()));
    }

    private static Registration registration(final int n) {
        return Registration.of("bob", "ACC-" + n, String.format("%064x", n), "com.apple.mobilemail", 2,
                Set.of("INBOX"), null, Instant.parse("2026-11-27T00:00:00Z"));
    }
}
