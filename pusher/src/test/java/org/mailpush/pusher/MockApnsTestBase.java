package org.mailpush.pusher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.ManualTime;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/**
 * A pusher against a scripted mock APNs over real TLS with a client certificate: the PKI is made once per class,
 * the mock server, the H2 store and the pusher once per test. A test may run the pusher on {@link #time}
 * ({@link #onManualTime}): then nothing happens but what the test moves time for, and {@link #settle} waits for the
 * answers to what was sent (a condition, not a duration).
 */
abstract class MockApnsTestBase {

    @TempDir
    static Path pkiDir;
    static ExamplePki pki;

    @TempDir
    Path dataDir;
    ScriptedApns script;
    LoopbackApnsServer apns;
    TokenStore tokenStore;
    RegistrationStore store;
    final List<ApnsPusher> pushers = new ArrayList<>();
    final List<PushResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The pusher's time, for the tests that give it to the pusher ({@link #onManualTime}). */
    final ManualTime time = new ManualTime(Instant.parse("2026-12-01T12:00:00Z"));

    @BeforeAll
    static void makePki() {
        pki = ExamplePki.create(pkiDir);
    }

    @BeforeEach
    void startApnsAndStore() throws Exception {
        script = new ScriptedApns();
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0,
                script);
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dataDir.resolve("tokens")).build();
        store = tokenStore.registrations();
    }

    @AfterEach
    void stopAll() {
        for (final ApnsPusher pusher : pushers) {
            pusher.close(Duration.ofSeconds(1));
        }
        apns.close();
        tokenStore.close();
    }

    /** A pusher to the mock with the example credential, short back-off, and the given changes. */
    ApnsPusher pusher(final Consumer<ApnsPusherBuilder> customize) throws Exception {
        final ApnsPusherBuilder builder = ApnsPusher.builder()
                .apnsServer("localhost", apns.port())
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(CredentialLoader.loadPkcs12(pki.client().p12File(), ExamplePki.PASSWORD.toCharArray()))
                .registrations(store)
                .listener(results::add)
                .retry(3, Duration.ofMillis(20), Duration.ofMillis(40))
                .reloadInterval(Duration.ZERO);
        customize.accept(builder);
        final ApnsPusher pusher = builder.build();
        pushers.add(pusher);
        return pusher;
    }

    /**
     * Runs the pusher on {@link #time} (windows, back-offs, the breaker, credential reloads), with no jitter, and
     * stamps the mock's requests with it too.
     */
    ApnsPusherBuilder onManualTime(final ApnsPusherBuilder builder) {
        script.ticker(time.ticker());
        return builder.time(time.ticker(), time.scheduler()).clock(time.clock()).jitter(() -> 0.5);
    }

    /**
     * Waits until every request in flight is answered (over real TLS) and each answer is handled to the end
     * (counted, told to the listener and to the events it covers), before time moves on.
     */
    static void settle(final ApnsPusher pusher) {
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(20))
                .until(() -> {
                    if (pusher.inFlight() != 0) {
                        return false;
                    }
                    pusher.awaitAnswersHandled();
                    return pusher.inFlight() == 0; // else handling an answer sent another request
                });
    }

    /** Moves time to {@code target} from one scheduled task to the next, letting the requests each one sends settle. */
    static void runUntil(final ManualTime time, final ApnsPusher pusher, final Instant target) {
        while (true) {
            settle(pusher);
            final Duration next = time.nextTaskIn();
            final Duration left = Duration.between(time.now(), target);
            if (next == null || next.compareTo(left) > 0) {
                time.advance(left);
                settle(pusher);
                return;
            }
            time.advance(next);
        }
    }

    /** Moves time on by {@code amount}, as {@link #runUntil}. */
    void advance(final ApnsPusher pusher, final Duration amount) {
        runUntil(time, pusher, time.now().plus(amount));
    }

    static String token(final int n) {
        return String.format("%064x", n);
    }

    /** Stores a registration of user {@code u} for device {@code n}, registered at {@code at}. */
    Registration register(final int n, final Instant at) {
        final Registration registration = Registration.of("u", "ACC-" + n, token(n), "com.apple.mobilemail", 2,
                Set.of("INBOX"), pki.client().topic(), at);
        store.register(registration);
        return registration;
    }

    Registration register(final int n) {
        return register(n, Instant.now());
    }
}
