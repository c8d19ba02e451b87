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

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A pusher against a scripted mock APNs over real TLS with a client certificate: the PKI is made once per class,
 * the mock server, the H2 store and the pusher once per test.
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
    ApnsPusher pusher(final Consumer<ApnsPusher.Builder> customize) throws Exception {
        final ApnsPusher.Builder builder = ApnsPusher.builder()
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
