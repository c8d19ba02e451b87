package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bursts through the real pusher to the mock over TLS: few pushes, none lost, none closer than the window. */
class CoalescingTest extends MockApnsTestBase {

    @Test
    void tenThousandNewMailEventsForAHundredDevices() throws Exception {
        final Duration window = Duration.ofMillis(500);
        final ApnsPusher pusher = pusher(b -> b.newMailWindow(window));
        final List<Registration> devices = new ArrayList<>();
        for (int n = 1; n <= 100; n++) {
            devices.add(register(n));
        }
        for (int round = 0; round < 100; round++) {
            for (final Registration device : devices) {
                pusher.submit(device, PushKind.NEW_MAIL);
            }
        }

        // Each device: the first event pushes at once, the other 99 become one trailing push after the window.
        await().atMost(Duration.ofSeconds(20)).until(() -> script.requests() == 200 && pusher.pending() == 0);
        Thread.sleep(window.toMillis() * 2);
        assertThat(script.requests()).isEqualTo(200);
        for (final Registration device : devices) {
            assertThat(script.requests(device.deviceToken())).as(device.deviceToken()).isEqualTo(2);
        }
        assertThat(pusher.counters().submitted()).isEqualTo(10_000);
        assertThat(pusher.counters().coalesced()).isEqualTo(9_800);
        assertThat(pusher.counters().accepted()).isEqualTo(200);
        assertThat(pusher.counters().shed()).isZero();

        // No two requests to one device closer than the window.
        final Map<String, List<ScriptedApns.Seen>> byDevice = script.seen.stream()
                .collect(Collectors.groupingBy(ScriptedApns.Seen::token));
        assertThat(byDevice).hasSize(100);
        byDevice.forEach((token, requests) -> assertThat(requests.get(1).nanos() - requests.get(0).nanos())
                .as(token).isGreaterThanOrEqualTo(window.toNanos()));
    }

    @Test
    void changesAreDelayedCoalescedAndFlushedByNewMail() throws Exception {
        final ApnsPusher pusher = pusher(b -> b.changeDelay(Duration.ofMillis(400)).newMailWindow(Duration.ofMillis(50)));
        final Registration reader = register(1);
        final Registration writer = register(2);

        for (int i = 0; i < 20; i++) {
            pusher.submit(reader, PushKind.MAILBOX_CHANGE);
            pusher.submit(writer, PushKind.MAILBOX_CHANGE);
        }
        Thread.sleep(100);
        assertThat(script.requests()).as("changes wait").isZero();
        pusher.submit(writer, PushKind.NEW_MAIL);
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests(writer.deviceToken()) == 1);
        assertThat(script.requests(reader.deviceToken())).as("still waiting").isZero();

        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests(reader.deviceToken()) == 1);
        Thread.sleep(600);
        assertThat(script.requests()).isEqualTo(2);
        // 41 requests, 2 pushes: 39 coalesced.
        assertThat(pusher.counters().submitted()).isEqualTo(41);
        assertThat(pusher.counters().coalesced()).isEqualTo(39);
    }

    @Test
    void everyEventIsToldOnceWhenAPushCoveringItHasItsAnswer() throws Exception {
        final ApnsPusher pusher = pusher(b -> b.newMailWindow(Duration.ofMillis(300)));
        final Registration device = register(1);
        final java.util.concurrent.atomic.AtomicIntegerArray told = new java.util.concurrent.atomic.AtomicIntegerArray(5);
        for (int event = 0; event < 5; event++) {
            final int n = event;
            pusher.submit(device, PushKind.NEW_MAIL, System.nanoTime(), () -> told.incrementAndGet(n));
        }
        // The first push covers event 0; the trailing push after the window covers events 1 to 4.
        await().atMost(Duration.ofSeconds(5)).until(() -> told.get(0) == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> told.get(4) == 1);
        Thread.sleep(400);
        assertThat(script.requests(device.deviceToken())).isEqualTo(2);
        for (int event = 0; event < 5; event++) {
            assertThat(told.get(event)).as("event %d", event).isEqualTo(1);
        }
    }
}
