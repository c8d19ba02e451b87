package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bursts through the real pusher to the mock over TLS, on a manual clock: few pushes, none lost, none closer than the
 * window, each at the moment its window or delay ends.
 */
class CoalescingTest extends MockApnsTestBase {

    private static final Duration JUST_BEFORE = Duration.ofNanos(1);

    @Test
    void tenThousandNewMailEventsForAHundredDevices() throws Exception {
        final Duration window = Duration.ofMillis(500);
        final ApnsPusher pusher = pusher(b -> onManualTime(b).newMailWindow(window));
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
        settle(pusher);
        assertThat(script.requests()).as("the first event of each device, at once").isEqualTo(100);
        advance(pusher, window.minus(JUST_BEFORE));
        assertThat(script.requests()).as("nothing more within the window").isEqualTo(100);
        advance(pusher, JUST_BEFORE);
        assertThat(script.requests()).as("one trailing push each, when the window ends").isEqualTo(200);
        assertThat(pusher.pending()).isZero();
        advance(pusher, window.multipliedBy(2));
        assertThat(script.requests()).isEqualTo(200);
        for (final Registration device : devices) {
            assertThat(script.requests(device.deviceToken())).as(device.deviceToken()).isEqualTo(2);
        }
        assertThat(pusher.counters().submitted()).isEqualTo(10_000);
        assertThat(pusher.counters().coalesced()).isEqualTo(9_800);
        assertThat(pusher.counters().accepted()).isEqualTo(200);
        assertThat(pusher.counters().shed()).isZero();

        // The two requests to each device exactly one window apart.
        final Map<String, List<ScriptedApns.Seen>> byDevice = script.seen.stream()
                .collect(Collectors.groupingBy(ScriptedApns.Seen::token));
        assertThat(byDevice).hasSize(100);
        byDevice.forEach((token, requests) -> assertThat(requests.get(1).nanos() - requests.get(0).nanos())
                .as(token).isEqualTo(window.toNanos()));
    }

    @Test
    void changesAreDelayedCoalescedAndFlushedByNewMail() throws Exception {
        final Duration changeDelay = Duration.ofMillis(400);
        final ApnsPusher pusher = pusher(b -> onManualTime(b).changeDelay(changeDelay)
                .newMailWindow(Duration.ofMillis(50)));
        final Registration reader = register(1);
        final Registration writer = register(2);

        for (int i = 0; i < 20; i++) {
            pusher.submit(reader, PushKind.MAILBOX_CHANGE);
            pusher.submit(writer, PushKind.MAILBOX_CHANGE);
        }
        advance(pusher, Duration.ofMillis(100));
        assertThat(script.requests()).as("changes wait").isZero();
        pusher.submit(writer, PushKind.NEW_MAIL);
        settle(pusher);
        assertThat(script.requests(writer.deviceToken())).as("new mail flushes the writer's changes").isEqualTo(1);
        assertThat(script.requests(reader.deviceToken())).as("still waiting").isZero();

        advance(pusher, changeDelay.minus(Duration.ofMillis(100)).minus(JUST_BEFORE));
        assertThat(script.requests(reader.deviceToken())).as("still waiting, just before the delay ends").isZero();
        advance(pusher, JUST_BEFORE);
        assertThat(script.requests(reader.deviceToken())).as("when the change delay ends").isEqualTo(1);
        advance(pusher, Duration.ofMillis(600));
        assertThat(script.requests()).isEqualTo(2);
        // 41 requests, 2 pushes: 39 coalesced.
        assertThat(pusher.counters().submitted()).isEqualTo(41);
        assertThat(pusher.counters().coalesced()).isEqualTo(39);
        assertThat(pusher.counters().accepted()).isEqualTo(2);
    }

    @Test
    void everyEventIsToldOnceWhenAPushCoveringItHasItsAnswer() throws Exception {
        final Duration window = Duration.ofMillis(300);
        final ApnsPusher pusher = pusher(b -> onManualTime(b).newMailWindow(window));
        final Registration device = register(1);
        final AtomicIntegerArray told = new AtomicIntegerArray(5);
        for (int event = 0; event < 5; event++) {
            final int n = event;
            pusher.submit(device, PushKind.NEW_MAIL, time.nanoTime(), () -> told.incrementAndGet(n));
        }
        // The first push covers event 0; the trailing push after the window covers events 1 to 4.
        settle(pusher);
        assertThat(told).as("the first push answered").containsExactly(1, 0, 0, 0, 0);
        advance(pusher, window.minus(JUST_BEFORE));
        assertThat(told).as("the trailing push not sent yet").containsExactly(1, 0, 0, 0, 0);
        advance(pusher, JUST_BEFORE);
        assertThat(told).as("the trailing push answered").containsExactly(1, 1, 1, 1, 1);
        advance(pusher, Duration.ofMillis(400));
        assertThat(script.requests(device.deviceToken())).isEqualTo(2);
        assertThat(told).as("each told once").containsExactly(1, 1, 1, 1, 1);
    }
}
