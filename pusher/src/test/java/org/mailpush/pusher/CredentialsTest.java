package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import org.junit.jupiter.api.Test;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.store.Registration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several credentials at once, token keys, and credentials replaced on disk while the pusher runs, on a manual clock:
 * each reload check runs when the test moves time by the reload interval.
 */
class CredentialsTest extends MockApnsTestBase {

    private static final char[] PASSWORD = ExamplePki.PASSWORD.toCharArray();
    private static final Duration RELOAD = Duration.ofSeconds(10);

    /** Times a file source was loaded: once at build, then once each time a check found its files changed. */
    private final AtomicInteger loads = new AtomicInteger();

    private static String serial(final ExamplePki.ClientCredentialFiles files) {
        return files.certificate().getSerialNumber().toString(16);
    }

    /** A credential read from {@code p12} each time it changes, as the service configures it; counts its loads. */
    private CredentialSource fileSource(final Path p12) {
        return new CredentialSource() {
            @Override
            public List<Path> files() {
                return List.of(p12);
            }

            @Override
            public ApnsCredential load() throws Exception {
                loads.incrementAndGet();
                return CredentialLoader.loadPkcs12(p12, PASSWORD);
            }
        };
    }

    private static void replace(final Path target, final Path with) throws Exception {
        final Path temporary = target.resolveSibling(target.getFileName() + ".new");
        Files.copy(with, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A pusher on {@link #time} with the credential in {@code p12}, checked for changes every {@link #RELOAD}. */
    private ApnsPusher filePusher(final Path p12) throws Exception {
        final ApnsPusher pusher = onManualTime(ApnsPusher.builder())
                .apnsServer("localhost", apns.port())
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(fileSource(p12))
                .registrations(store)
                .reloadInterval(RELOAD)
                .build();
        pushers.add(pusher);
        assertThat(loads).hasValue(1);
        return pusher;
    }

    @Test
    void eachRegistrationIsPushedWithTheCredentialOfItsTopic() throws Exception {
        final ExamplePki.ClientCredentialFiles calendar = pki.issueClient("calendar",
                ExamplePki.ClientSpec.mail().withTopic("com.apple.calendar.XServer.TEST"));
        final ApnsPusher pusher = pusher(b -> {
            onManualTime(b);
            try {
                b.credential(CredentialLoader.loadPkcs12(calendar.p12File(), PASSWORD));
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
        final Registration mail = register(1);
        final Registration calendarDevice = Registration.of("u", "ACC-2", token(2), "com.apple.mobilemail", 2,
                Set.of("INBOX"), calendar.topic(), Instant.now());
        final Registration unknownTopic = Registration.of("u", "ACC-3", token(3), "com.apple.mobilemail", 2,
                Set.of("INBOX"), "com.apple.mail.XServer.GONE", Instant.now());

        assertThat(pusher.send(mail).get(10, TimeUnit.SECONDS).accepted()).isTrue();
        assertThat(pusher.send(calendarDevice).get(10, TimeUnit.SECONDS).accepted()).isTrue();
        assertThat(pusher.send(unknownTopic).get(10, TimeUnit.SECONDS).accepted()).isTrue();

        assertThat(script.seen).extracting(ScriptedApns.Seen::clientCertificateSerial).containsExactly(
                serial(pki.client()), serial(calendar), serial(pki.client()));
        assertThat(pusher.credentials()).extracting(CredentialStatus::topic)
                .containsExactly(pki.client().topic(), calendar.topic());
        assertThat(pusher.defaultTopic()).isEqualTo(pki.client().topic());
    }

    @Test
    void aCertificateReplacedOnDiskIsUsedWithoutRestartAndWithoutDroppingPushesInFlight() throws Exception {
        final Path p12 = dataDir.resolve("mail.p12");
        Files.copy(pki.client().p12File(), p12);
        final ExamplePki.ClientCredentialFiles renewed = pki.issueClient("renewed",
                ExamplePki.ClientSpec.mail().withTopic(pki.client().topic()));
        // APNs holds every answer until the test lets them go: all 20 are in flight when the file is replaced.
        final CountDownLatch answers = new CountDownLatch(1);
        script.script((n, token) -> Answer.stallUntil(answers));
        final ApnsPusher pusher = filePusher(p12);

        for (int n = 1; n <= 20; n++) {
            pusher.submit(register(n), PushKind.NEW_MAIL);
        }
        assertThat(pusher.inFlight()).isEqualTo(20);
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests() >= 1); // the mock holds the first
        replace(p12, renewed.p12File());
        time.advance(RELOAD); // the reload check: the new credential is in place, the 20 still in flight
        assertThat(loads).as("loaded at build, and again once changed").hasValue(2);
        assertThat(pusher.inFlight()).isEqualTo(20);
        answers.countDown();
        settle(pusher);
        assertThat(pusher.counters().accepted()).isEqualTo(20);
        assertThat(pusher.counters().retried()).as("none dropped and sent again").isZero();
        assertThat(pusher.counters().abandoned()).isZero();
        assertThat(script.seen).hasSize(20).extracting(ScriptedApns.Seen::clientCertificateSerial)
                .containsOnly(serial(pki.client()));

        assertThat(pusher.send(register(100)).get(10, TimeUnit.SECONDS).accepted()).isTrue();
        assertThat(script.seen).hasSize(21).last().extracting(ScriptedApns.Seen::clientCertificateSerial)
                .isEqualTo(serial(renewed));
    }

    @Test
    void aRefusedCredentialIsUsableAgainOnceReplaced() throws Exception {
        final Path p12 = dataDir.resolve("mail.p12");
        Files.copy(pki.client().p12File(), p12);
        final ExamplePki.ClientCredentialFiles renewed = pki.issueClient("renewed",
                ExamplePki.ClientSpec.mail().withTopic(pki.client().topic()));
        final String revoked = serial(pki.client());
        script.script((n, token) -> revoked.equals(script.seen.get(n - 1).clientCertificateSerial())
                ? Answer.reject(RejectionReason.BAD_CERTIFICATE) : Answer.ACCEPT);
        final ApnsPusher pusher = filePusher(p12);

        assertThat(pusher.send(register(1)).get(10, TimeUnit.SECONDS).verdict())
                .isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(pusher.credentials().get(0).usable()).isFalse();

        replace(p12, renewed.p12File());
        time.advance(RELOAD.minusMillis(1));
        assertThat(pusher.credentials().get(0).usable()).as("not checked yet").isFalse();
        time.advance(Duration.ofMillis(1));
        assertThat(loads).hasValue(2);
        assertThat(pusher.credentials().get(0).usable()).as("usable again once reloaded").isTrue();
        assertThat(pusher.send(register(2)).get(10, TimeUnit.SECONDS).accepted()).isTrue();
        assertThat(script.seen).extracting(ScriptedApns.Seen::clientCertificateSerial)
                .containsExactly(serial(pki.client()), serial(renewed));
    }

    @Test
    void aBrokenReplacementIsRefusedAndTheOldCredentialKeepsWorking() throws Exception {
        final Path p12 = dataDir.resolve("mail.p12");
        Files.copy(pki.client().p12File(), p12);
        final ApnsPusher pusher = filePusher(p12);

        Files.writeString(p12, "not a PKCS#12 file");
        time.advance(RELOAD);
        assertThat(loads).as("the changed file was tried").hasValue(2);
        time.advance(RELOAD.multipliedBy(3));
        assertThat(loads).as("and not again while it stays the same").hasValue(2);
        assertThat(pusher.credentials().get(0).usable()).isTrue();
        assertThat(pusher.send(register(1)).get(10, TimeUnit.SECONDS).accepted()).isTrue();
        assertThat(script.seen).extracting(ScriptedApns.Seen::clientCertificateSerial)
                .containsExactly(serial(pki.client()));
    }

    @Test
    void expiredProviderTokenIsSentAgainWithAFreshToken() throws Exception {
        final ExamplePki.TokenKeyFiles key = pki.writeTokenKey("com.apple.mail.XServer.TOKEN");
        script.script((n, token) -> n == 1 ? Answer.reject(RejectionReason.EXPIRED_PROVIDER_TOKEN) : Answer.ACCEPT);
        final ApnsPusher pusher = onManualTime(ApnsPusher.builder())
                .apnsServer("localhost", apns.port())
                .trustedServerCertificates(pki.caCertificateFile())
                .credential(CredentialLoader.loadTokenKey(key.p8File(), key.teamId(), key.keyId(), key.topic()))
                .registrations(store)
                .reloadInterval(Duration.ZERO)
                .build();
        pushers.add(pusher);

        final CompletableFuture<PushResult> sent = pusher.send(register(1));
        settle(pusher);
        assertThat(script.requests()).isEqualTo(1);
        assertThat(sent).as("sent again a millisecond later, on a new connection").isNotDone();
        time.advance(Duration.ofMillis(1));
        final PushResult result = sent.get(10, TimeUnit.SECONDS);

        assertThat(result.accepted()).isTrue();
        assertThat(result.attempts()).isEqualTo(2);
        assertThat(script.requests()).isEqualTo(2);
        assertThat(script.seen).allSatisfy(seen -> {
            assertThat(seen.clientCertificateSerial()).as("token auth sends no certificate").isNull();
            assertThat(seen.authorization()).startsWith("bearer ");
        });
        assertThat(script.seen.get(1).authorization()).isNotEqualTo(script.seen.get(0).authorization());
        assertThat(pusher.counters().rejected("ExpiredProviderToken")).isEqualTo(1);
    }
}
