package org.mailpush.pusher;

import org.junit.jupiter.api.Test;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** APNs goes away in the middle of a burst and comes back on the same port. */
class OutageRecoveryTest extends MockApnsTestBase {

    @Test
    void everyPushStillWithinItsExpiryIsDeliveredOnceAfterRecovery() throws Exception {
        final int port = apns.port();
        final ApnsPusher pusher = pusher(b -> b
                .newMailWindow(Duration.ofSeconds(30))
                .connectTimeout(Duration.ofMillis(500))
                .retry(40, Duration.ofMillis(50), Duration.ofMillis(300))
                .circuitBreaker(50, 10, 5, Duration.ofMillis(300)));
        final List<Registration> devices = new ArrayList<>();
        for (int n = 1; n <= 60; n++) {
            devices.add(register(n));
        }
        // The burst: 60 devices. A third in, APNs is killed; the rest of the burst meets no server.
        for (int n = 0; n < 20; n++) {
            pusher.submit(devices.get(n), PushKind.NEW_MAIL);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> script.requests() >= 10);
        apns.close();
        final int beforeOutage = script.requests();
        for (int n = 20; n < 60; n++) {
            pusher.submit(devices.get(n), PushKind.NEW_MAIL);
        }
        Thread.sleep(1_000);
        assertThat(pusher.stats().accepted()).as("nothing accepted while APNs is away").isEqualTo(beforeOutage);
        assertThat(pusher.stats().transportFailures() + pusher.stats().circuitOpenRefusals()).isPositive();

        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(),
                port, script);
        await().atMost(Duration.ofSeconds(20)).until(() -> pusher.stats().accepted() == 60);
        Thread.sleep(500);

        for (final Registration device : devices) {
            assertThat(script.requests(device.deviceToken()))
                    .as("device %s: delivered once, never twice within the window", device.deviceToken())
                    .isEqualTo(1);
        }
        assertThat(pusher.stats().abandoned()).isZero();
        assertThat(pusher.stats().accepted()).isEqualTo(60);
    }
}
