package org.mailpush.server.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.server.cli.Cli.mailpush;

/** {@code mailpush send-test} against a mock APNs, while the service runs on the same configuration. */
class SendTestCommandTest {

    static final String PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String IPAD = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String OLD_PHONE = "cd".repeat(32);

    @TempDir
    Path dir;
    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService service;
    Path config;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), PHONE);
        apns.allow(pki.client().topic(), IPAD);
        apns.allow(pki.client().topic(), OLD_PHONE);
        config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), dir.resolve("notify"),
                null, apns.port(), pki.caCertificateFile(), pki.client().p12File(), pki.client().p12PasswordFile());
        service = MailpushService.start(ConfigLoader.load(config));
        register("alice", "ACC-PHONE", PHONE, "INBOX", "Work");
        register("alice", "ACC-IPAD", IPAD, "INBOX");
        register("carol", "ACC-OLD", OLD_PHONE, "INBOX");
    }

    @AfterEach
    void stop() {
        service.close();
        apns.close();
    }

    private void register(final String user, final String account, final String token, final String... mailboxes) {
        service.registrations().register(Registration.of(user, account, token, "com.apple.mobilemail", 2,
                Set.of(mailboxes), pki.client().topic(), Instant.now()));
    }

    @Test
    void pushesEveryDeviceOfTheUserAndPrintsApplesAnswers() {
        final Cli.Run run = mailpush("send-test", "--user", "alice", "--config", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).startsWith("Pushing to 2 device(s) of alice via localhost ...\n")
                .contains("accepted  29183902… (account ACC-PHON…, topic " + pki.client().topic() + "): 29183902…: 200",
                        "accepted  ab12cd34… (account ACC-IPAD…");
        assertThat(run.out()).doesNotContain(PHONE).doesNotContain(IPAD);
        assertThat(apns.receivedFor(PHONE)).singleElement().extracting(p -> p.payload())
                .isEqualTo("{\"aps\":{\"account-id\":\"ACC-PHONE\"}}");
        assertThat(apns.receivedFor(IPAD)).hasSize(1);
    }

    @Test
    void onlyTheDevicesWatchingTheMailboxWhenOneIsGiven() {
        final Cli.Run run = mailpush("send-test", "--user", "alice", "--mailbox", "Work", "-c", config.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Pushing to 1 device(s) of alice").contains("29183902…")
                .doesNotContain("ab12cd34…");
        assertThat(apns.receivedFor(IPAD)).isEmpty();
    }

    @Test
    void aDeviceAppleNoLongerKnowsIsReportedAndRemoved() {
        apns.unregister(OLD_PHONE, Instant.now());
        final Cli.Run run = mailpush("send-test", "--user", "carol", "-c", config.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("REJECTED  cdcdcdcd… (account ACC-OLD…", "410 Unregistered",
                "registration removed");
        assertThat(service.registrations().registrationsOf("carol")).isEmpty();
    }

    @Test
    void aUserWithoutDevicesIsOneLine() {
        final Cli.Run run = mailpush("send-test", "--user", "nobody", "-c", config.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("mailpush: no device of nobody is registered in h2 ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void calendarPushesGoToTheUsersSubscriptionsOnTheirOwnTopic() throws Exception {
        final String calendarTopic = "com.apple.calendar.XServer.0b7e2c9d-4a1f-4e6b-8d3c-5f9a2e1b7c40";
        final ExamplePki.ClientCredentialFiles calendar = pki.issueClient("calendar",
                ExamplePki.ClientSpec.mail().withTopic(calendarTopic));
        apns.allow(calendarTopic, IPAD);
        final Path withCalendar = ExampleConfig.write(dir.resolve("calendar.yaml"), dir.resolve("data/tokens"),
                dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                pki.client().p12PasswordFile(), "    - p12: " + calendar.p12File(),
                "      password-file: " + calendar.p12PasswordFile());
        final Instant now = Instant.now();
        service.subscriptions().subscribe(new DavSubscription(IPAD, "1178pie115u8qv1hhvvk0myj",
                "alice/1178pie115u8qv1hhvvk0myj", calendarTopic, PushTarget.Kind.CALENDAR, "alice", now, now,
                now.plus(Duration.ofDays(1))));
        // Expired: not pushed.
        service.subscriptions().subscribe(new DavSubscription(PHONE, "hvbycm9cmvq5xxg5kxgovzgj",
                "alice/hvbycm9cmvq5xxg5kxgovzgj", calendarTopic, PushTarget.Kind.CALENDAR, "alice",
                now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1))));

        final Cli.Run run = mailpush("send-test", "--user", "alice", "--kind", "calendar", "-c",
                withCalendar.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).startsWith("Pushing to 1 device(s) of alice")
                .contains("accepted  ab12cd34… (calendar key alice/1178pie115u8qv1hhvvk0myj, topic " + calendarTopic);
        assertThat(apns.receivedFor(IPAD)).singleElement().satisfies(push -> {
            assertThat(push.topic()).isEqualTo(calendarTopic);
            assertThat(push.priority()).isEqualTo("5");
            assertThat(push.payload()).startsWith("{\"key\":\"alice/1178pie115u8qv1hhvvk0myj\","
                    + "\"dataChangedTimestamp\":");
        });
        assertThat(apns.receivedFor(PHONE)).isEmpty();

        final Cli.Run contacts = mailpush("send-test", "--user", "alice", "--kind", "contacts", "-c",
                withCalendar.toString());
        assertThat(contacts.exit()).isEqualTo(1);
        assertThat(contacts.err()).startsWith("mailpush: alice has no contacts subscription that has not expired");
        final Cli.Run wrong = mailpush("send-test", "--user", "alice", "--kind", "todo", "-c", config.toString());
        assertThat(wrong.err()).isEqualTo("mailpush: --kind must be mail, calendar or contacts, not \"todo\"\n");
    }
}
