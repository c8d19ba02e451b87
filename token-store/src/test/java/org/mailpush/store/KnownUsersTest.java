package org.mailpush.store;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class KnownUsersTest {

    /**
     * Found by PostgresTokenStoreIT: a sweep's reload ran while the change listener's reload still read, and the
     * one that ended last added a set the other had already cleared (NullPointerException, the sweep failed).
     */
    @Test
    void twoReloadsAtOnceBothEndAndTheIndexIsComplete() throws Exception {
        final CountDownLatch firstReads = new CountDownLatch(1);
        final CountDownLatch releaseFirst = new CountDownLatch(1);
        final AtomicInteger loads = new AtomicInteger();
        final KnownUsers known = new KnownUsers(sink -> {
            if (loads.incrementAndGet() == 1) {
                firstReads.countDown();
                try {
                    releaseFirst.await();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            sink.accept("alice");
        }, 100);
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final Thread first = new Thread(() -> reload(known, failures), "first-reload");
        final Thread second = new Thread(() -> reload(known, failures), "second-reload");
        first.start();
        firstReads.await();
        second.start();
        // The second either waits for the first (one at a time) or, as before the fix, ran through while it read.
        await().until(() -> second.getState() == Thread.State.BLOCKED || !second.isAlive());
        known.add("bob");
        releaseFirst.countDown();
        first.join();
        second.join();

        assertThat(failures).isEmpty();
        assertThat(loads).hasValue(2);
        assertThat(known.complete()).isTrue();
        assertThat(known.mayHave("alice")).isTrue();
        assertThat(known.mayHave("bob")).as("added during the reloads, kept").isTrue();
        assertThat(known.mayHave("carol")).isFalse();
    }

    private static void reload(final KnownUsers known, final List<Throwable> failures) {
        try {
            known.reload();
        } catch (final RuntimeException e) {
            failures.add(e);
        }
    }
}
