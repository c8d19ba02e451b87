package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared push queue, on each engine: one row per target, claims that exclude each other, leases that expire,
 * settling that keeps what came while a push was in flight. Time is passed in: a lease expires because the test
 * says it is later, not because it waited.
 */
abstract class PushQueueContract {

    static final String TOKEN_A = TokenStoreContract.TOKEN_A;
    static final String TOKEN_B = TokenStoreContract.TOKEN_B;
    static final Instant T0 = TokenStoreContract.T0;
    static final Duration LEASE = Duration.ofSeconds(30);
    static final RegistrationKey PHONE = new RegistrationKey("ACC-1", TOKEN_A);
    static final RegistrationKey TABLET = new RegistrationKey("ACC-2", TOKEN_B);
    static final DavSubscriptionKey CALENDAR = new DavSubscriptionKey(TOKEN_A, "1178pie115u8qv1hhvvk0myj");

    TokenStore tokenStore;
    PushQueue queue;

    abstract TokenStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        tokenStore = openStore();
        queue = tokenStore.pushQueue();
    }

    @AfterEach
    void closeStore() {
        tokenStore.close();
    }

    @Test
    void eventsForAQueuedTargetMergeIntoItsRow() {
        queue.enqueue(PHONE, false, T0.plusSeconds(1));
        queue.enqueue(List.of(new PendingPush(TABLET, false, T0.plusSeconds(2)),
                new PendingPush(PHONE, true, T0), new PendingPush(CALENDAR, true, T0.plusSeconds(3))));
        queue.enqueue(PHONE, false, T0.plusSeconds(5));

        assertThat(queue.size()).isEqualTo(3);
        final List<QueuedPush> claimed = queue.claim("a", 10, T0, LEASE);
        assertThat(claimed).extracting(QueuedPush::target).as("first queued, first claimed")
                .startsWith(PHONE).containsExactlyInAnyOrder(PHONE, TABLET, CALENDAR);
        final QueuedPush phone = claimed.get(0);
        assertThat(phone.newMail()).as("new mail if any merged event was").isTrue();
        assertThat(phone.receivedAt()).as("the oldest event's time").isEqualTo(T0);
        assertThat(phone.generation()).isEqualTo(3);
        assertThat(claimed).filteredOn(push -> push.target().equals(TABLET)).singleElement()
                .satisfies(push -> assertThat(push.newMail()).isFalse());
        assertThat(claimed).filteredOn(push -> push.target().equals(CALENDAR)).singleElement()
                .satisfies(push -> assertThat(push.newMail()).as("new mail means nothing to a DAV push").isFalse());
        assertThat(claimed).allSatisfy(push -> {
            assertThat(push.deliveries()).isEqualTo(1);
            assertThat(push.takenOver()).isFalse();
        });
    }

    @Test
    void aClaimedRowIsNotClaimedAgainUntilItsLeaseExpires() {
        queue.enqueue(PHONE, true, T0);
        queue.enqueue(TABLET, true, T0);
        final List<QueuedPush> first = queue.claim("a", 1, T0, LEASE);
        assertThat(first).extracting(QueuedPush::target).containsExactly(PHONE);
        assertThat(queue.claim("b", 10, T0.plusSeconds(1), LEASE)).extracting(QueuedPush::target)
                .as("only what a does not hold").containsExactly(TABLET);
        assertThat(queue.claim("b", 10, T0.plus(LEASE), LEASE)).as("a's lease runs to its end").isEmpty();
        assertThat(queue.stats(T0.plusSeconds(2))).isEqualTo(new QueueStats(2, 2, java.util.Optional.of(T0)));

        // a died: after its lease, b takes the row, and knows it is a re-delivery.
        final List<QueuedPush> retaken = queue.claim("b", 10, T0.plus(LEASE).plusMillis(1), LEASE);
        assertThat(retaken).singleElement().satisfies(push -> {
            assertThat(push.target()).isEqualTo(PHONE);
            assertThat(push.takenOver()).isTrue();
            assertThat(push.deliveries()).isEqualTo(2);
        });
        // a wakes up late: its answer still removes the row (the same events were pushed), b's settle finds none.
        queue.settle("a", first);
        queue.settle("b", retaken);
        assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    void renewingKeepsTheRowsAClaimerStillHolds() {
        queue.enqueue(PHONE, true, T0);
        queue.enqueue(TABLET, true, T0);
        final List<QueuedPush> held = queue.claim("a", 10, T0, LEASE);
        final Instant later = T0.plus(LEASE).minusSeconds(1);
        assertThat(queue.renew("a", List.of(held.get(0).id(), held.get(1).id()), later.plus(LEASE))).isEqualTo(2);
        assertThat(queue.renew("b", List.of(held.get(0).id()), later.plus(LEASE))).as("not b's").isZero();
        assertThat(queue.claim("b", 10, T0.plus(LEASE).plusSeconds(5), LEASE)).as("renewed").isEmpty();
        assertThat(queue.claim("b", 10, later.plus(LEASE).plusMillis(1), LEASE)).hasSize(2);
        assertThat(queue.renew("a", List.of(held.get(0).id()), later.plus(LEASE).plus(LEASE)))
                .as("a lost them to b").isZero();
    }

    @Test
    void settlingRemovesTheRowUnlessAnEventCameWhileItWasPushed() {
        queue.enqueue(PHONE, true, T0);
        queue.enqueue(TABLET, true, T0);
        final List<QueuedPush> claimed = queue.claim("a", 10, T0, LEASE);
        // While the phone's push is in flight, a flag change and then new mail arrive for it.
        queue.enqueue(PHONE, false, T0.plusSeconds(1));
        queue.enqueue(PHONE, false, T0.plusSeconds(2));
        queue.settle("a", claimed);

        assertThat(queue.size()).as("the tablet is done, the phone goes again").isEqualTo(1);
        final List<QueuedPush> again = queue.claim("a", 10, T0.plusSeconds(3), LEASE);
        assertThat(again).singleElement().satisfies(push -> {
            assertThat(push.target()).isEqualTo(PHONE);
            assertThat(push.newMail()).as("only the events since the first push count").isFalse();
            assertThat(push.receivedAt()).isEqualTo(T0.plusSeconds(1));
            assertThat(push.deliveries()).as("new events: a first delivery").isEqualTo(1);
            assertThat(push.takenOver()).isFalse();
        });
        queue.settle("a", again);
        assertThat(queue.size()).isZero();
        assertThat(queue.stats(T0)).isEqualTo(new QueueStats(0, 0, java.util.Optional.empty()));
    }

    @Test
    void aReleasedRowCanBeClaimedAtOnceAsARedelivery() {
        queue.enqueue(CALENDAR, false, T0);
        final List<QueuedPush> claimed = queue.claim("a", 10, T0, LEASE);
        assertThat(queue.release("a", claimed)).isEqualTo(1);
        assertThat(queue.release("a", claimed)).as("already given back").isZero();
        assertThat(queue.claim("b", 10, T0.plusSeconds(1), LEASE)).singleElement().satisfies(push -> {
            assertThat(push.target()).isEqualTo(CALENDAR);
            assertThat(push.deliveries()).isEqualTo(2);
            assertThat(push.takenOver()).as("released, not expired").isFalse();
        });
    }

    @Test
    void claimersAreWokenWhenPushesAreQueued() {
        final AtomicLong wakes = new AtomicLong();
        queue.whenQueued(wakes::incrementAndGet);
        queue.enqueue(List.of(new PendingPush(PHONE, true, T0), new PendingPush(TABLET, true, T0)));
        assertThat(wakes.get()).as("once per batch, in this process").isEqualTo(1);
    }

    /**
     * Two intakes merging events into the same rows while two pushers claim and settle them: no event is lost —
     * the last event queued for a target is seen by a claim, which returns after that event began to be queued —
     * and the queue ends empty. This is
     * what breaks when a settle removes a row whose events moved on, or when a claim reads rows by id.
     */
    @Test
    void concurrentIntakesAndPushersLoseNoEvent() throws Exception {
        final int targets = 200;
        final int eventsPerIntake = 1_500;
        final AtomicLong clock = new AtomicLong();
        final Map<String, Long> lastQueued = new ConcurrentHashMap<>();
        final Map<String, Long> lastClaimed = new ConcurrentHashMap<>();
        final AtomicBoolean intakesDone = new AtomicBoolean();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<?>> intakes = new ArrayList<>();
            for (int intake = 0; intake < 2; intake++) {
                final int seed = intake;
                intakes.add(pool.submit(() -> {
                    for (int i = 0; i < eventsPerIntake; i += 10) {
                        final List<PendingPush> batch = new ArrayList<>();
                        for (int j = 0; j < 10; j++) {
                            batch.add(new PendingPush(target((i + j) * 7 + seed, targets), true, T0));
                        }
                        // Stamped before it starts: a claim that returned before this cannot have seen it.
                        final long queuing = clock.incrementAndGet();
                        queue.enqueue(batch);
                        batch.forEach(push -> lastQueued.merge(push.target().deviceToken(), queuing, Math::max));
                    }
                }));
            }
            final List<Future<?>> pushers = new ArrayList<>();
            for (int pusher = 0; pusher < 2; pusher++) {
                final String name = "pusher-" + pusher;
                pushers.add(pool.submit(() -> {
                    while (!intakesDone.get() || queue.size() > 0) {
                        final List<QueuedPush> claimed = queue.claim(name, 50, T0, LEASE);
                        // Stamped once the claim has returned: a claim that saw an event ended after it began.
                        final long claimedAt = clock.incrementAndGet();
                        claimed.forEach(push -> lastClaimed.merge(push.target().deviceToken(), claimedAt,
                                Math::max));
                        queue.settle(name, claimed);
                    }
                }));
            }
            for (final Future<?> intake : intakes) {
                intake.get(60, TimeUnit.SECONDS);
            }
            intakesDone.set(true);
            for (final Future<?> pusher : pushers) {
                pusher.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(queue.size()).isZero();
        assertThat(lastQueued).hasSize(targets);
        lastQueued.forEach((token, queuedAt) -> assertThat(lastClaimed.get(token))
                .as("claimed after its last event, %s", token).isNotNull().isGreaterThan(queuedAt));
    }

    private static RegistrationKey target(final int n, final int targets) {
        final String token = String.format("%064x", n % targets);
        return new RegistrationKey("ACC-" + (n % targets), token);
    }
}
