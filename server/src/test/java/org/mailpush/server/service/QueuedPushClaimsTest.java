package org.mailpush.server.service;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.pusher.PushKind;
import org.mailpush.store.PushQueue;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.ManualTime;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a pusher process works the shared queue, one {@link QueuedPushConsumer#step} at a time on a clock the test
 * moves: claims bounded by what it may hold, settles once answered, renews its leases, takes over a dead pusher's
 * rows once their lease ended, and gives back what it never answered when it stops. The "pusher" here records
 * submissions and answers when the test says.
 */
class QueuedPushClaimsTest {

    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    TokenStore store;
    PushQueue queue;
    final ManualTime time = new ManualTime(T0);

    /** One submission the fake pusher took: answering it runs what the real pusher runs at the final answer. */
    record Submitted(PushTarget target, PushKind kind, Runnable onCovered) {
    }

    @BeforeEach
    void open() {
        store = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        queue = store.pushQueue();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private QueuedPushConsumer consumer(final String name, final List<Submitted> submitted, final int batch,
                                        final int maxHeld) {
        return new QueuedPushConsumer(queue, store.registrations(), store.subscriptions(),
                (target, kind, at, onCovered) -> submitted.add(new Submitted(target, kind, onCovered)),
                new QueuedPushConsumer.Settings(LEASE, Duration.ofSeconds(1), batch, maxHeld), time.clock(),
                time.ticker(), name);
    }

    private Registration registered(final int n) {
        final Registration registration = Registration.of("user" + n, "ACC-" + n, String.format("%064x", n),
                "com.apple.mobilemail", 2, Set.of("INBOX"), "com.apple.mail.XServer.test", T0);
        store.registrations().register(registration);
        return registration;
    }

    @Test
    void claimsNoMoreThanItMayHoldAndSettlesWhatIsAnswered() {
        for (int n = 0; n < 5; n++) {
            queue.enqueue(registered(n).key(), n % 2 == 0, T0);
        }
        final List<Submitted> submitted = new ArrayList<>();
        final QueuedPushConsumer consumer = consumer("a", submitted, 2, 3);

        assertThat(consumer.step()).as("a full batch: more may be there").isZero();
        consumer.step(); // room for one only
        assertThat(consumer.held()).isEqualTo(3);
        assertThat(submitted).hasSize(3);
        assertThat(submitted).extracting(Submitted::kind).contains(PushKind.NEW_MAIL, PushKind.MAILBOX_CHANGE);
        assertThat(consumer.step()).as("no room: it waits").isPositive();
        assertThat(submitted).as("nothing more while it holds three").hasSize(3);

        submitted.forEach(s -> s.onCovered().run());
        consumer.step();
        assertThat(consumer.held()).as("the answered rows settled, the last two claimed").isEqualTo(2);
        assertThat(queue.size()).isEqualTo(2);
        submitted.subList(3, 5).forEach(s -> s.onCovered().run());
        time.advance(QueuedPushConsumer.SETTLE_DELAY);
        consumer.step();
        assertThat(queue.size()).isZero();
        assertThat(consumer.held()).isZero();
        assertThat(consumer.claims()).isEqualTo(5);
        assertThat(consumer.redeliveries()).isZero();
    }

    @Test
    void renewedLeasesKeepOtherPushersAwayAndADeadPushersRowsAreTakenOverAfterTheirLease() {
        queue.enqueue(registered(1).key(), true, T0);
        final List<Submitted> first = new ArrayList<>();
        final QueuedPushConsumer alive = consumer("a", first, 10, 100);
        alive.step();
        assertThat(first).hasSize(1);

        final List<Submitted> second = new ArrayList<>();
        final QueuedPushConsumer other = consumer("b", second, 10, 100);
        // a's push waits for Apple for longer than a lease; a renews every third of it.
        for (int i = 0; i < 6; i++) {
            time.advance(LEASE.dividedBy(3));
            alive.step();
            other.step();
        }
        assertThat(second).as("a kept its lease").isEmpty();

        // a dies: no more renewals. Once its lease is over, b takes the row and pushes it again.
        time.advance(LEASE.plusSeconds(1));
        other.step();
        assertThat(second).singleElement().satisfies(s -> assertThat(s.kind()).isEqualTo(PushKind.NEW_MAIL));
        assertThat(other.leaseExpiries()).isEqualTo(1);
        assertThat(other.redeliveries()).isEqualTo(1);
        second.get(0).onCovered().run();
        other.step();
        assertThat(queue.size()).isZero();
    }

    @Test
    void aStoppingPusherGivesBackWhatItNeverAnsweredSoAnotherTakesItAtOnce() {
        queue.enqueue(registered(1).key(), true, T0);
        queue.enqueue(registered(2).key(), true, T0);
        final List<Submitted> first = new ArrayList<>();
        final QueuedPushConsumer stopping = consumer("a", first, 10, 100);
        stopping.step();
        first.get(0).onCovered().run();
        stopping.close();
        stopping.finish();
        assertThat(queue.size()).as("the answered one settled").isEqualTo(1);

        final List<Submitted> second = new ArrayList<>();
        final QueuedPushConsumer next = consumer("b", second, 10, 100);
        next.step();
        assertThat(second).extracting(Submitted::target).containsExactly(first.get(1).target());
        assertThat(next.leaseExpiries()).as("given back, not expired").isZero();
        assertThat(next.redeliveries()).isEqualTo(1);
    }

    @Test
    void aRowWhoseDeviceWasRemovedSinceIsSettledWithoutAPush() {
        final Registration gone = registered(1);
        queue.enqueue(gone.key(), true, T0);
        store.registrations().remove(gone.username(), gone.deviceToken());
        final List<Submitted> submitted = new ArrayList<>();
        final QueuedPushConsumer consumer = consumer("a", submitted, 10, 100);
        consumer.step();
        consumer.step();
        assertThat(submitted).isEmpty();
        assertThat(queue.size()).isZero();
    }
}
