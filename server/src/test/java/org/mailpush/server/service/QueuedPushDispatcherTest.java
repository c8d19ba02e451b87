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
import static org.awaitility.Awaitility.await;

/**
 * The intake side of a split install writes pushes into the store's queue (batched by its writer thread), up to
 * store.max-queued-pushes; an event is done once its row is committed.
 */
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

    final List<QueuedPushDispatcher> started = new java.util.ArrayList<>();

    @AfterEach
    void close() {
        started.forEach(QueuedPushDispatcher::close);
        store.close();
    }

    private QueuedPushDispatcher dispatcher(final long maxQueued, final Duration recount) {
        final QueuedPushDispatcher dispatcher = new QueuedPushDispatcher(pushQueue, maxQueued, recount).start();
        started.add(dispatcher);
        return dispatcher;
    }

    /** What a pusher would claim now (and then holds). */
    private List<QueuedPush> claimAll() {
        return pushQueue.claim("test-pusher", 100, Instant.now(), Duration.ofMinutes(1));
    }

    @Test
    void pushesAreQueuedWithTheirKindAndPastTheBoundShedAndCounted() {
        final QueuedPushDispatcher queue = dispatcher(3, Duration.ofHours(1));
        final AtomicInteger done = new AtomicInteger();
        queue.dispatch(intent(0, EventType.MESSAGE_NEW), done::incrementAndGet);
        queue.dispatch(intent(1, EventType.MESSAGE_READ), done::incrementAndGet);
        for (int n = 2; n < 7; n++) {
            queue.dispatch(intent(n, EventType.MESSAGE_NEW), done::incrementAndGet);
        }
        assertThat(queue.shed()).as("the buffered pushes count against the bound").isEqualTo(4);
        await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == 7);
        assertThat(queue.written()).isEqualTo(3);
        final List<QueuedPush> queued = claimAll();
        assertThat(queued).extracting(p -> ((RegistrationKey) p.target()).accountId())
                .containsExactlyInAnyOrder("ACC-0", "ACC-1", "ACC-2");
        assertThat(queued).filteredOn(p -> ((RegistrationKey) p.target()).accountId().equals("ACC-1"))
                .extracting(QueuedPush::newMail).containsExactly(false);
        assertThat(queued).filteredOn(QueuedPush::newMail).hasSize(2);
        assertThat(queue.queuedEstimate()).isEqualTo(3);
    }

    @Test
    void theDepthIsRecountedSoADrainedQueueTakesPushesAgain() {
        final QueuedPushDispatcher queue = dispatcher(2, Duration.ZERO);
        final AtomicInteger done = new AtomicInteger();
        for (int n = 0; n < 3; n++) {
            queue.dispatch(intent(n, EventType.MESSAGE_NEW), done::incrementAndGet);
            final int events = n + 1;
            await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == events);
        }
        assertThat(queue.shed()).isEqualTo(1);
        // A pusher process drains the queue.
        pushQueue.settle("test-pusher", claimAll());
        queue.dispatch(intent(3, EventType.MESSAGE_NEW), done::incrementAndGet);
        await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == 4);
        assertThat(claimAll()).extracting(p -> ((RegistrationKey) p.target()).accountId())
                .containsExactly("ACC-3");
        assertThat(queue.shed()).isEqualTo(1);
    }

    @Test
    void pushesQueuedByAnotherProcessCountAgainstTheBound() {
        for (int n = 0; n < 5; n++) {
            pushQueue.enqueue(registration(100 + n).key(), true, Instant.now());
        }
        final QueuedPushDispatcher queue = dispatcher(5, Duration.ofHours(1));
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
        final QueuedPushDispatcher queue = dispatcher(3, Duration.ofHours(1));
        final AtomicInteger done = new AtomicInteger();
        queue.dispatch(new PushIntent(subscription, new MailboxEvent("test", EventType.MESSAGE_NEW, "bob",
                "#calendars/Default", 1, 1L, Instant.now(), System.nanoTime(), MailboxType.CALENDAR,
                subscription.collectionId())), done::incrementAndGet);
        queue.dispatch(intent(0, EventType.MESSAGE_NEW), done::incrementAndGet);
        await().atMost(Duration.ofSeconds(20)).until(() -> done.get() == 2);
        final List<QueuedPush> queued = claimAll();
        assertThat(queued).extracting(QueuedPush::target)
                .containsExactlyInAnyOrder(subscription.key(), registration(0).key());
        assertThat(queued).filteredOn(p -> p.target().equals(subscription.key())).extracting(QueuedPush::newMail)
                .containsExactly(false);
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
