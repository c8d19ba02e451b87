package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.pusher.ScriptedApns.Answer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ShutdownTest extends MockApnsTestBase {

    @Test
    void closingSendsWhatWaitsForADelayAndTakesNoMoreWork() throws Exception {
        final ApnsPusher pusher = pusher(b -> b.changeDelay(Duration.ofMinutes(5)));
        for (int n = 1; n <= 5; n++) {
            pusher.submit(register(n), PushKind.MAILBOX_CHANGE);
        }
        assertThat(script.requests()).isZero();

        assertThat(pusher.close(Duration.ofSeconds(5))).as("abandoned").isZero();

        assertThat(script.requests()).isEqualTo(5);
        assertThat(pusher.counters().accepted()).isEqualTo(5);
        assertThat(pusher.submit(register(6), PushKind.NEW_MAIL)).isEqualTo(SubmitOutcome.CLOSED);
        pushers.remove(pusher);
    }

    @Test
    void whatCannotBeDeliveredWithinTheTimeoutIsReportedAbandoned() throws Exception {
        final CountDownLatch stall = new CountDownLatch(1);
        script.script((n, token) -> Answer.stallUntil(stall));
        final ApnsPusher pusher = pusher(b -> b.maxInFlight(2));
        for (int n = 1; n <= 4; n++) {
            pusher.submit(register(n), PushKind.NEW_MAIL);
        }
        final CompletableFuture<PushResult> direct = pusher.send(register(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests() == 1);

        final int abandoned = pusher.close(Duration.ofMillis(300));
        stall.countDown();

        assertThat(abandoned).isEqualTo(5);
        assertThat(pusher.counters().abandoned()).isEqualTo(5);
        final PushResult result = direct.get(1, TimeUnit.SECONDS);
        assertThat(result.reason()).isEqualTo("Shutdown");
        assertThat(result.accepted()).isFalse();
        pushers.remove(pusher);
    }
}
