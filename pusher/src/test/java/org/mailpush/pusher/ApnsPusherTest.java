package org.mailpush.pusher;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The pusher against Pushy's mock APNs server over real TLS with client certificates. */
class ApnsPusherTest {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String DEAD = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

    @TempDir
    static Path pkiDir;
    static ExamplePki pki;
    static LoopbackApnsServer apns;

    @TempDir
    Path dataDir;
    TokenStore tokenStore;
    RegistrationStore store;
    ApnsPusher pusher;
    final List<PushResult> results = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startApns() throws Exception {
        pki = ExamplePki.create(pkiDir);
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), TOKEN);
        apns.allow(pki.client().topic(), DEAD);
    }

    @AfterAll
    static void stopApns() {
        apns.close();
    }

    @BeforeEach
    void startPusher() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dataDir.resolve("tokens")).build();
        store = tokenStore.registrations();
        pusher = ApnsPusher.builder()
                .apnsServer("localhost", apns.port())
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(CredentialLoader.loadPkcs12(pki.client().p12File(), ExamplePki.PASSWORD.toCharArray()))
                .registrations(store)
                .listener(results::add)
                .build();
    }

    @AfterEach
    void stopPusher() {
        pusher.close();
        tokenStore.close();
    }

    private Registration register(final String token, final Instant at) {
        final Registration registration = Registration.of("test", "ACC-" + token.substring(0, 4), token,
                "com.apple.mobilemail", 2, Set.of("INBOX"), pki.client().topic(), at);
        store.register(registration);
        return registration;
    }

    @Test
    void sendsTheMailPayloadAsABackgroundPushThatExpiresInADay() throws Exception {
        final Registration registration = register(TOKEN, Instant.now());
        final Instant before = Instant.now();

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.accepted()).isTrue();
        assertThat(result.status()).isEqualTo(200);
        final ReceivedPush push = apns.receivedFor(TOKEN).get(apns.receivedFor(TOKEN).size() - 1);
        assertThat(push.accepted()).isTrue();
        assertThat(push.topic()).isEqualTo(pki.client().topic());
        assertThat(push.payload()).isEqualTo("{\"aps\":{\"account-id\":\"ACC-2918\"}}");
        assertThat(push.pushType()).isEqualTo("background");
        assertThat(push.priority()).as("written out, as APNs would apply it when absent").isEqualTo("10");
        assertThat(push.expiration()).isBetween(before.plus(Duration.ofHours(24)).truncatedTo(ChronoUnit.SECONDS),
                Instant.now().plus(Duration.ofHours(24)));
        assertThat(results).containsExactly(result);
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void unregisteredTokenLosesItsRegistration() throws Exception {
        final Registration registration = register(DEAD, Instant.now().minus(Duration.ofDays(2)));
        apns.unregister(DEAD, Instant.now().minus(Duration.ofDays(1)));
        try {
            final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

            assertThat(result.status()).isEqualTo(410);
            assertThat(result.reason()).isEqualTo("Unregistered");
            assertThat(result.verdict()).isEqualTo(ApnsVerdict.TOKEN_INVALID);
            assertThat(result.targetRemoved()).isTrue();
            assertThat(store.find(registration.key())).isEmpty();
        } finally {
            apns.reinstate(DEAD);
        }
    }

    @Test
    void aDeviceThatReRegisteredAfterTheInvalidationKeepsItsRegistration() throws Exception {
        final String token = "cc12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
        apns.allow(pki.client().topic(), token);
        apns.unregister(token, Instant.now().minus(Duration.ofDays(1)));
        final Registration registration = register(token, Instant.now());

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(410);
        assertThat(result.targetRemoved()).isFalse();
        assertThat(store.find(registration.key())).isPresent();
    }

    @Test
    void badDeviceTokenLosesItsRegistration() throws Exception {
        // 66 hex digits: plausible to mailpush, refused by APNs (and by the mock) as BadDeviceToken.
        final String token = "dd" + TOKEN;
        final Registration registration = register(token, Instant.now());

        final PushResult result = pusher.send(registration).get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(400);
        assertThat(result.reason()).isEqualTo("BadDeviceToken");
        assertThat(result.targetRemoved()).isTrue();
        assertThat(store.find(registration.key())).isEmpty();
    }

    @Test
    void transportFailureIsReportedNotThrown() throws Exception {
        final ApnsPusher nowhere = ApnsPusher.builder()
                .apnsServer("localhost", 1)
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(CredentialLoader.loadPkcs12(pki.client().p12File(), ExamplePki.PASSWORD.toCharArray()))
                .registrations(store)
                .retry(3, Duration.ofMillis(10), Duration.ofMillis(20))
                .build();
        try {
            final PushResult result = nowhere.send(register(TOKEN, Instant.now())).get(20, TimeUnit.SECONDS);
            assertThat(result.verdict()).isEqualTo(ApnsVerdict.RETRYABLE);
            assertThat(result.status()).isZero();
            assertThat(result.failure()).isNotNull();
            assertThat(result.attempts()).isEqualTo(3);
            assertThat(nowhere.counters().abandoned()).isEqualTo(1);
            assertThat(nowhere.counters().transportFailures()).isEqualTo(3);
            assertThat(store.count()).isEqualTo(1);
        } finally {
            nowhere.close();
        }
    }
}
