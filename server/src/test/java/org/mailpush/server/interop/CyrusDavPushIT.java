package org.mailpush.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionKey;
import org.mailpush.store.PushTarget;
import org.mailpush.testing.CyrusServer;
import org.mailpush.testing.DavClient;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.XApplePushClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Calendar and contacts push end to end on a real Cyrus 3.6.1 httpd (Debian's {@code cyrus-caldav}), as an iPhone
 * does it (issue 16, acceptance 1): discovery by PROPFIND, a form POST subscription that Cyrus reports with
 * {@code ApplePushServiceDAV} on mailpush's notify socket, then CalDAV and CardDAV writes that reach Pushy's
 * validating mock APNs as CalendarServer's payload, on each collection's own topic and credential. A mail device of
 * the same user is the control: DAV writes never push it, an LMTP delivery does.
 *
 * <p>"Exactly one push" is proven without sleeping: each write's push is awaited, and the next write's push (which
 * can only come after the previous coalescing window closed) is the barrier that shows no second one followed.</p>
 */
class CyrusDavPushIT {

    private static final String UUID_PART = UUID.randomUUID().toString().toUpperCase();
    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer." + UUID_PART;
    static final String CONTACTS_TOPIC = "com.apple.contact.XServer." + UUID_PART;
    /** iOS's dataaccessd posts lower-case tokens (dav-push.md §2.2); one per topic. */
    private static final String CALENDAR_DEVICE = "c0ffee".repeat(10) + "c0de";
    private static final String CONTACTS_DEVICE = "abcdef01".repeat(8);
    private static final String BOB_DEVICE = "0b0b".repeat(16);
    private static final String MAIL_PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    private static final String MAIL_ACCOUNT = "0715A26B-CA09-4730-A419-793000CA982E";
    /** Short, so that the test is quick; the coalescing itself is what is exercised. */
    private static final Duration DAV_DELAY = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ExamplePki pki;
    private LoopbackApnsServer apns;
    private MailpushService mailpush;
    private CyrusServer cyrus;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        final ExamplePki.ClientCredentialFiles calendar =
                pki.issueClient("calendar", ExamplePki.ClientSpec.mail().withTopic(CALENDAR_TOPIC));
        final ExamplePki.ClientCredentialFiles contacts =
                pki.issueClient("contacts", ExamplePki.ClientSpec.mail().withTopic(CONTACTS_TOPIC));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), MAIL_PHONE);
        apns.allow(CALENDAR_TOPIC, CALENDAR_DEVICE);
        apns.allow(CONTACTS_TOPIC, CONTACTS_DEVICE);
        apns.allow(CALENDAR_TOPIC, BOB_DEVICE);

        final Path socket = InteropSockets.mailGroupFolder(dir.resolve("sock")).resolve("notify");
        // Three credentials, one per topic; change-delay short too, so that a DAV expunge wrongly routed to the
        // mail device would show within the test instead of after mail's default 30 s.
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), socket,
                "mail", apns.port(), pki.caCertificateFile(), pki.client().p12File(), pki.client().p12PasswordFile(),
                "    - p12: " + calendar.p12File(),
                "      password-file: " + calendar.p12PasswordFile(),
                "    - p12: " + contacts.p12File(),
                "      password-file: " + contacts.p12PasswordFile(),
                "  dav-change-delay: " + DAV_DELAY.toSeconds() + "s",
                "  change-delay: 1s");
        mailpush = MailpushService.start(ConfigLoader.load(config));

        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")),
                CyrusServer.Settings.builder(pki.client().topic(), socket.toString())
                        .users("alice", "bob")
                        .dav(CALENDAR_TOPIC, CONTACTS_TOPIC)
                        .build());
    }

    @AfterEach
    void stop() {
        if (cyrus != null) {
            cyrus.close();
        }
        if (mailpush != null) {
            mailpush.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    @Test
    void calendarAndContactsWritesPushTheSubscribedDeviceOnceEachAndNeverTheMailDevice() throws Exception {
        cyrus.createInbox("alice");
        cyrus.createInbox("bob");
        try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), "alice", CyrusServer.PASSWORD)) {
            phone.register(MAIL_ACCOUNT, MAIL_PHONE, "INBOX");
        }
        await().atMost(WAIT).until(() -> mailpush.registrations().count() == 1);

        // Discovery as iOS does it: the homes advertise the transport with mailpush's topics; collections have keys.
        final DavClient alice = new DavClient(cyrus.httpBase(), "alice", CyrusServer.PASSWORD);
        final DavClient.PushTransport calendars = alice.pushTransports(DavClient.calendarHome("alice"));
        assertThat(calendars).isEqualTo(new DavClient.PushTransport("APSD", "/applepush/subscribe", CALENDAR_TOPIC,
                "PRODUCTION", 86400));
        final DavClient.PushTransport addressBooks = alice.pushTransports(DavClient.addressBookHome("alice"));
        assertThat(addressBooks.apsBundleId()).isEqualTo(CONTACTS_TOPIC);
        final Map<String, String> calendarKeys = alice.pushKeys(DavClient.calendarHome("alice"));
        final String calendarKey = calendarKeys.get("/dav/calendars/user/alice/Default/");
        assertThat(calendarKey).as("Default calendar's pushkey in %s", calendarKeys).matches("alice/[0-9a-z]+");
        final String calendarId = calendarKey.substring("alice/".length());
        final Map<String, String> contactKeys = alice.pushKeys(DavClient.addressBookHome("alice"));
        final String contactsKey = contactKeys.get("/dav/addressbooks/user/alice/Default/");
        assertThat(contactsKey).as("Default address book's pushkey in %s", contactKeys).matches("alice/[0-9a-z]+");
        final String contactsId = contactsKey.substring("alice/".length());

        // Subscriptions: alice's calendar, then bob's refused try on it, then alice's address book. Cyrus reports
        // in order on one socket, so once the address book's subscription is stored, bob's would have been too.
        final Instant subscribed = Instant.now();
        assertThat(alice.subscribe(calendars.subscriptionUrl(), CALENDAR_DEVICE, calendarKey)).isEqualTo(200);
        final DavClient bob = new DavClient(cyrus.httpBase(), "bob", CyrusServer.PASSWORD);
        assertThat(bob.pushKeys(DavClient.calendarHome("bob"))).as("bob's own collections").isNotEmpty();
        assertThat(bob.subscribe(calendars.subscriptionUrl(), BOB_DEVICE, calendarKey))
                .as("bob has no read access to alice's calendar").isEqualTo(400);
        assertThat(alice.subscribe(addressBooks.subscriptionUrl(), CONTACTS_DEVICE, contactsKey)).isEqualTo(200);
        await().atMost(WAIT).until(() -> mailpush.subscriptions().countSubscriptions() == 2);
        assertThat(mailpush.subscriptions().subscriptionsOf("bob")).isEmpty();
        assertThat(mailpush.subscriptions().findSubscription(new DavSubscriptionKey(BOB_DEVICE, calendarId)))
                .isEmpty();
        final DavSubscription calendarSubscription = mailpush.subscriptions()
                .findSubscription(new DavSubscriptionKey(CALENDAR_DEVICE, calendarId)).orElseThrow();
        assertThat(calendarSubscription.pushKey()).isEqualTo(calendarKey);
        assertThat(calendarSubscription.topic()).isEqualTo(CALENDAR_TOPIC);
        assertThat(calendarSubscription.kind()).isEqualTo(PushTarget.Kind.CALENDAR);
        assertThat(calendarSubscription.subscriber()).isEqualTo("alice");
        // Cyrus 3.6 hard-codes an expiry of 86400 s.
        assertThat(calendarSubscription.expiresAt())
                .isBetween(subscribed.plusSeconds(86400 - 5), Instant.now().plusSeconds(86400 + 5));
        final DavSubscription contactsSubscription = mailpush.subscriptions()
                .findSubscription(new DavSubscriptionKey(CONTACTS_DEVICE, contactsId)).orElseThrow();
        assertThat(contactsSubscription.pushKey()).isEqualTo(contactsKey);
        assertThat(contactsSubscription.topic()).isEqualTo(CONTACTS_TOPIC);
        assertThat(contactsSubscription.kind()).isEqualTo(PushTarget.Kind.CONTACTS);

        // A new event: Cyrus sends MailboxModseq and MessageNew; one push on the calendar topic.
        final String event = "/dav/calendars/user/alice/Default/ev1.ics";
        final Instant created = Instant.now();
        assertThat(alice.putEvent(event, "ev1@mailpush.test", "first")).isEqualTo(201);
        awaitPushes(CALENDAR_DEVICE, 1);
        assertDavPush(apns.receivedFor(CALENDAR_DEVICE).get(0), CALENDAR_TOPIC, calendarKey, created);

        // The overwrite (three events) gives one more; that it came at all after the first write's window closed
        // shows that the first write gave exactly one.
        final Instant overwritten = Instant.now();
        assertThat(alice.putEvent(event, "ev1@mailpush.test", "second")).isEqualTo(204);
        awaitPushes(CALENDAR_DEVICE, 2);
        assertDavPush(apns.receivedFor(CALENDAR_DEVICE).get(1), CALENDAR_TOPIC, calendarKey, overwritten);

        final Instant deleted = Instant.now();
        assertThat(alice.delete(event)).isEqualTo(204);
        awaitPushes(CALENDAR_DEVICE, 3);
        assertDavPush(apns.receivedFor(CALENDAR_DEVICE).get(2), CALENDAR_TOPIC, calendarKey, deleted);

        // A vCard: the contacts device on the contacts topic, with the address book's key; not the calendar device.
        final String card = "/dav/addressbooks/user/alice/Default/card1.vcf";
        final Instant carded = Instant.now();
        assertThat(alice.putVCard(card, "card1@mailpush.test", "Carol Example")).isEqualTo(201);
        awaitPushes(CONTACTS_DEVICE, 1);
        assertDavPush(apns.receivedFor(CONTACTS_DEVICE).get(0), CONTACTS_TOPIC, contactsKey, carded);
        assertThat(apns.receivedFor(CALENDAR_DEVICE)).as("the delete gave exactly one").hasSize(3);
        assertThat(apns.receivedFor(MAIL_PHONE)).as("DAV writes do not push mail devices").isEmpty();

        // The control: a mail delivery does push the mail device, as mail (its own topic, credential, payload).
        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "alice",
                "From: sender@example.org\r\nTo: alice@localhost\r\nSubject: mail\r\n\r\nHello.\r\n");
        awaitPushes(MAIL_PHONE, 1);
        final ReceivedPush mail = apns.receivedFor(MAIL_PHONE).get(0);
        assertThat(mail.accepted()).as("%s", mail).isTrue();
        assertThat(mail.topic()).isEqualTo(pki.client().topic());
        assertThat(mail.payload()).isEqualTo("{\"aps\":{\"account-id\":\"" + MAIL_ACCOUNT + "\"}}");
        assertThat(mail.pushType()).isEqualTo("background");
        assertThat(mail.priority()).as("mail's default apns.priority, written out").isEqualTo("10");

        // The last barrier: a second vCard write's push shows the first gave exactly one, and that nothing from
        // any DAV write (its expunges included, after mail's 1 s change-delay) reached the mail device.
        final Instant recarded = Instant.now();
        assertThat(alice.putVCard(card, "card1@mailpush.test", "Carol Example-Smith")).isEqualTo(204);
        awaitPushes(CONTACTS_DEVICE, 2);
        assertDavPush(apns.receivedFor(CONTACTS_DEVICE).get(1), CONTACTS_TOPIC, contactsKey, recarded);
        assertThat(apns.receivedFor(CALENDAR_DEVICE)).hasSize(3);
        assertThat(apns.receivedFor(MAIL_PHONE)).hasSize(1);
        assertThat(apns.receivedFor(BOB_DEVICE)).isEmpty();
        assertThat(apns.received()).as("every push, and nothing rejected").hasSize(6).allMatch(ReceivedPush::accepted);
    }

    /** Waits until {@code token} has had {@code count} pushes, and checks it has had no more. */
    private void awaitPushes(final String token, final int count) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(apns.receivedFor(token))
                .as("pushes to %s; all pushes: %s", DeviceTokens.mask(token), apns.received())
                .hasSizeGreaterThanOrEqualTo(count));
        assertThat(apns.receivedFor(token)).as("pushes to %s", DeviceTokens.mask(token)).hasSize(count);
    }

    /**
     * A push as Apple's CalendarServer sends it: the collection's key and two epoch-second timestamps, no
     * {@code aps}; a background push with priority 5 on the subscription's topic, expiring in a day.
     */
    private static void assertDavPush(final ReceivedPush push, final String topic, final String key,
                                      final Instant changedFrom) throws Exception {
        assertThat(push.accepted()).as("%s", push).isTrue();
        assertThat(push.topic()).isEqualTo(topic);
        assertThat(push.pushType()).isEqualTo("background");
        assertThat(push.priority()).isEqualTo("5");
        final Instant inADay = push.receivedAt().plus(Duration.ofDays(1));
        assertThat(push.expiration()).isBetween(inADay.minus(Duration.ofMinutes(1)), inADay.plusSeconds(1));
        final JsonNode payload = JSON.readTree(push.payload());
        final List<String> fields = new ArrayList<>();
        payload.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).as("%s", payload)
                .containsExactlyInAnyOrder("key", "dataChangedTimestamp", "pushRequestSubmittedTimestamp");
        assertThat(payload.get("key").asText()).isEqualTo(key);
        assertThat(payload.get("dataChangedTimestamp").isIntegralNumber()).as("%s", payload).isTrue();
        assertThat(payload.get("pushRequestSubmittedTimestamp").isIntegralNumber()).as("%s", payload).isTrue();
        final long changed = payload.get("dataChangedTimestamp").asLong();
        final long submitted = payload.get("pushRequestSubmittedTimestamp").asLong();
        assertThat(changed).as("the change's time, in seconds").isBetween(changedFrom.getEpochSecond(),
                push.receivedAt().getEpochSecond());
        assertThat(submitted).isBetween(changed, push.receivedAt().getEpochSecond() + 1);
    }
}
