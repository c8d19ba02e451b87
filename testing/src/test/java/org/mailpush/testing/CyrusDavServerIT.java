package org.mailpush.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DAV harness against a real Cyrus 3.6.1 httpd (Debian's {@code cyrus-caldav}): what an iPhone sees and does for
 * calendar and contacts push, and what Cyrus then sends on its notify socket. Run with
 * {@code -Dmailpush.fixtures.capture=<folder>} it also writes the datagrams as fixtures (folder {@code dav}).
 */
class CyrusDavServerIT {

    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.test-uuid";
    static final String CONTACTS_TOPIC = "com.apple.contact.XServer.test-uuid";
    private static final String TOKEN = "ab".repeat(32);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private NotifyDatagramCapture notify;
    private CyrusServer cyrus;

    @BeforeEach
    void start() throws Exception {
        final Path sockets = Files.createDirectories(dir.resolve("notify"));
        Folders.makeTraversable(sockets);
        notify = NotifyDatagramCapture.bind(sockets.resolve("socket"));
        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")),
                CyrusServer.Settings.builder("com.apple.mail.XServer.test-uuid", notify.path().toString())
                        .users("alice", "bob")
                        .dav(CALENDAR_TOPIC, CONTACTS_TOPIC)
                        .build());
    }

    @AfterEach
    void stop() throws IOException {
        if (cyrus != null) {
            cyrus.close();
        }
        if (notify != null) {
            notify.close();
        }
    }

    @Test
    void discoverySubscriptionAndChangesAsAnIphoneSeesThem() throws Exception {
        final FixtureRecorder fixtures = FixtureRecorder.forRun("dav");
        cyrus.createInbox("alice");
        cyrus.createInbox("bob");
        notify.untilMark(WAIT);
        final DavClient alice = new DavClient(cyrus.httpBase(), "alice", CyrusServer.PASSWORD);
        final DavClient bob = new DavClient(cyrus.httpBase(), "bob", CyrusServer.PASSWORD);

        // Discovery: the home advertises the transport with the configured topic; its first request provisions.
        final DavClient.PushTransport calendars = alice.pushTransports(DavClient.calendarHome("alice"));
        assertThat(calendars).isEqualTo(new DavClient.PushTransport("APSD", "/applepush/subscribe", CALENDAR_TOPIC,
                "PRODUCTION", 86400));
        final List<JsonNode> provisioning = events(fixtures.record("provision", notify.untilMark(WAIT)));
        assertThat(provisioning).extracting(e -> e.get("event").asText())
                .contains("MailboxModseq", "AclChange").doesNotContain("ApplePushServiceDAV", "MailboxCreate");
        assertThat(provisioning).extracting(e -> e.get("vnd.cmu.mbtype").asText()).contains("c", "a", "b");
        assertThat(alice.pushTransports(DavClient.addressBookHome("alice")))
                .isEqualTo(new DavClient.PushTransport("APSD", "/applepush/subscribe", CONTACTS_TOPIC,
                        "PRODUCTION", 86400));

        // Each collection has a pushkey <URL user>/<mailbox uniqueid>; the home has none.
        final Map<String, String> calendarKeys = alice.pushKeys(DavClient.calendarHome("alice"));
        assertThat(calendarKeys).containsOnlyKeys("/dav/calendars/user/alice/Default/",
                "/dav/calendars/user/alice/Inbox/", "/dav/calendars/user/alice/Outbox/");
        assertThat(calendarKeys.values()).allMatch(key -> key.matches("alice/[0-9a-z]{24}"));
        final String calendarKey = calendarKeys.get("/dav/calendars/user/alice/Default/");
        final Map<String, String> contactKeys = alice.pushKeys(DavClient.addressBookHome("alice"));
        assertThat(contactKeys).containsOnlyKeys("/dav/addressbooks/user/alice/Default/");
        final String contactsKey = contactKeys.get("/dav/addressbooks/user/alice/Default/");
        assertThat(contactsKey).matches("alice/[0-9a-z]{24}").isNotIn(calendarKeys.values());
        assertThat(jsons(notify.untilMark(WAIT))).isEmpty();

        // Subscriptions: 200 and an ApplePushServiceDAV each, with the topic for the collection's type.
        assertThat(alice.subscribe(calendars.subscriptionUrl(), TOKEN, calendarKey)).isEqualTo(200);
        final JsonNode calendarSubscription = single(fixtures.record("subscribe-calendar", notify.untilMark(WAIT)));
        assertThat(calendarSubscription.get("event").asText()).isEqualTo("ApplePushServiceDAV");
        assertThat(calendarSubscription.get("user").asText()).isEqualTo("alice");
        assertThat(calendarSubscription.get("vnd.cmu.mbtype").asText()).isEqualTo("c");
        assertThat(calendarSubscription.get("apsTopic").asText()).isEqualTo(CALENDAR_TOPIC);
        assertThat(calendarSubscription.get("apsDeviceToken").asText()).isEqualTo(TOKEN);
        assertThat(calendarSubscription.get("mailboxUser").asText() + "/"
                + calendarSubscription.get("mailboxUniqueId").asText()).isEqualTo(calendarKey);
        assertThat(calendarSubscription.get("expiry").asInt()).isEqualTo(86400);
        assertThat(alice.subscribe(calendars.subscriptionUrl(), "efef", contactsKey)).isEqualTo(200);
        final JsonNode contactsSubscription = single(fixtures.record("subscribe-contacts", notify.untilMark(WAIT)));
        assertThat(contactsSubscription.get("vnd.cmu.mbtype").asText()).isEqualTo("a");
        assertThat(contactsSubscription.get("apsTopic").asText()).isEqualTo(CONTACTS_TOPIC);
        assertThat(contactsSubscription.get("apsDeviceToken").asText()).isEqualTo("efef");

        // Bob's first DAV request provisions his own collections (not asserted again here).
        assertThat(bob.pushKeys(DavClient.calendarHome("bob"))).isNotEmpty();
        notify.untilMark(WAIT);
        // Refusals: a malformed or unknown key, and another user's calendar without read access; nothing is sent.
        assertThat(alice.subscribe(calendars.subscriptionUrl(), TOKEN, "no-slash")).isEqualTo(400);
        assertThat(alice.subscribe(calendars.subscriptionUrl(), TOKEN, "alice/nonexistent")).isEqualTo(400);
        assertThat(bob.subscribe(calendars.subscriptionUrl(), TOKEN, calendarKey)).isEqualTo(400);
        assertThat(jsons(notify.untilMark(WAIT))).isEmpty();
        // With read access granted (IMAP SETACL by the owner), bob's subscription is taken and names him.
        cyrus.imap("alice", List.of("SETACL \"#calendars/Default\" bob lrs"));
        notify.untilMark(WAIT);
        assertThat(bob.subscribe(calendars.subscriptionUrl(), "cd".repeat(32), calendarKey)).isEqualTo(200);
        final JsonNode shared = single(fixtures.record("subscribe-shared", notify.untilMark(WAIT)));
        assertThat(shared.get("user").asText()).isEqualTo("bob");
        assertThat(shared.get("mailboxUser").asText()).isEqualTo("alice");

        // Changes: every event names the collection by its uniqueid (mailboxID on 3.6) and type.
        final String calendarId = calendarKey.substring("alice/".length());
        final String event = "/dav/calendars/user/alice/Default/ev1.ics";
        assertThat(alice.putEvent(event, "ev1@mailpush.test", "first")).isEqualTo(201);
        assertChange(fixtures.record("put-new", notify.untilMark(WAIT)), calendarId, "c",
                "MailboxModseq", "MessageNew");
        assertThat(alice.putEvent(event, "ev1@mailpush.test", "second")).isEqualTo(204);
        assertChange(fixtures.record("put-overwrite", notify.untilMark(WAIT)), calendarId, "c",
                "MailboxModseq", "MessageNew", "MailboxModseq");
        assertThat(alice.delete(event)).isEqualTo(204);
        assertChange(fixtures.record("delete", notify.untilMark(WAIT)), calendarId, "c",
                "MessageExpunge", "MailboxModseq");
        assertThat(alice.putVCard("/dav/addressbooks/user/alice/Default/card1.vcf", "card1@mailpush.test",
                "Carol Example")).isEqualTo(201);
        assertChange(fixtures.record("put-vcard", notify.untilMark(WAIT)), contactsKey.substring("alice/".length()),
                "a", "MailboxModseq", "MessageNew");
    }

    /** The events of one change, in order, all on the collection {@code uniqueId} of type {@code mbtype}. */
    private static void assertChange(final List<byte[]> datagrams, final String uniqueId, final String mbtype,
                                     final String... names) throws IOException {
        final List<JsonNode> events = events(datagrams);
        assertThat(events).extracting(e -> e.get("event").asText()).containsExactly(names);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.get("mailboxID").asText()).isEqualTo(uniqueId);
            assertThat(e.get("vnd.cmu.mbtype").asText()).isEqualTo(mbtype);
            assertThat(e.has("mailboxUniqueId")).isFalse();
        });
    }

    /** The datagrams' JSON texts, for readable failures. */
    private static List<String> jsons(final List<byte[]> datagrams) {
        return datagrams.stream().map(NotifyDatagramCapture::json).toList();
    }

    private static JsonNode single(final List<byte[]> datagrams) throws IOException {
        assertThat(jsons(datagrams)).hasSize(1);
        return events(datagrams).get(0);
    }

    static List<JsonNode> events(final List<byte[]> datagrams) throws IOException {
        final List<JsonNode> events = new ArrayList<>();
        for (final byte[] datagram : datagrams) {
            events.add(JSON.readTree(NotifyDatagramCapture.json(datagram)));
        }
        return events;
    }
}
