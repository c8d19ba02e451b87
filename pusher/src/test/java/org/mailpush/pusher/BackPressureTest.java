package org.mailpush.pusher;

import org.mailpush.testing.Heap;
import org.junit.jupiter.api.Test;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With APNs stalled, the pusher keeps at most its limits in flight and pending, sheds the rest, and counts it. */
class BackPressureTest extends MockApnsTestBase {

    @Test
    void stalledApnsKeepsQueuesAndHeapBoundedAndShedsExactly() throws Exception {
        final CountDownLatch stall = new CountDownLatch(1);
        script.script((n, token) -> Answer.stallUntil(stall));
        final ApnsPusher pusher = pusher(b -> b.maxPending(100).maxInFlight(10));
        final Registration first = register(0);
        pusher.submit(first, PushKind.NEW_MAIL);
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests() == 1);

        // 1,000 more devices: 99 fit beside the first, 901 are shed.
        for (int n = 1; n <= 1_000; n++) {
            pusher.submit(device(n), PushKind.NEW_MAIL);
        }
        assertThat(pusher.pending()).isEqualTo(100);
        assertThat(pusher.inFlight()).isEqualTo(10);
        assertThat(pusher.counters().shed()).isEqualTo(901);

        // Another 200,000 requests change nothing but the shed count, and the heap stays flat.
        final long heapBefore = Heap.usedAfterGc();
        for (int n = 1_001; n <= 201_000; n++) {
            pusher.submit(device(n), PushKind.NEW_MAIL);
        }
        final long heapAfter = Heap.usedAfterGc();
        assertThat(pusher.pending()).isEqualTo(100);
        assertThat(pusher.inFlight()).isEqualTo(10);
        assertThat(pusher.counters().shed()).isEqualTo(200_901);
        assertThat(heapAfter - heapBefore).as("heap growth over 200,000 shed requests").isLessThan(16L << 20);
        // The mock server's event loop is stalled behind the first request; the others wait in the socket.
        assertThat(script.requests()).isEqualTo(1);

        stall.countDown();
        script.script((n, token) -> Answer.ACCEPT);
        await().atMost(Duration.ofSeconds(20)).until(() -> pusher.counters().accepted() == 100);
        assertThat(pusher.counters().shed()).isEqualTo(200_901);
        assertThat(pusher.counters().submitted()).isEqualTo(201_001);
    }

    private static Registration device(final int n) {
        // Not stored: the pusher needs no store for delivery, only for removals.
        return Registration.of("u", "ACC-" + n, token(n), "com.apple.mobilemail", 2, Set.of("INBOX"),
                pki.client().topic(), Instant.EPOCH);
    }
}
