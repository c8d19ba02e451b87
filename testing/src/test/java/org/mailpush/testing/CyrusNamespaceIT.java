package org.mailpush.testing;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Cyrus 3.6.1 with the non-default namespace ({@code altnamespace: no}, {@code unixhierarchysep: no}, so
 * {@code .} separates) and {@code virtdomains: userid}, a user {@code alice@example.com}: the harness works there
 * (sasldb realm from the login's domain), and these are the mail and DAV events such a server sends. Run with
 * {@code -Dmailpush.fixtures.capture=<folder>} it also writes them as fixtures (folder {@code namespace}).
 */
class CyrusNamespaceIT {

    private static final String ALICE = "alice@example.com";
    private static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The mailbox part of an event uri for alice's INBOX: the domain follows the whole name, '%40'-escaped. */
    private static final String INBOX_URI = "imap://localhost/user.alice%40example.com;UIDVALIDITY=";
    private static final String WORK_URI = "imap://localhost/user.alice.Work%40example.com;UIDVALIDITY=";

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
                        .altNamespace(false)
                        .unixHierarchySep(false)
                        .virtDomains(true)
                        .users(ALICE)
                        .dav(CyrusDavServerIT.CALENDAR_TOPIC, CyrusDavServerIT.CONTACTS_TOPIC)
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
    void mailAndDavEventsUnderDotSeparatorAndVirtualDomains() throws Exception {
        final FixtureRecorder fixtures = FixtureRecorder.forRun("namespace");
        cyrus.createInbox(ALICE);
        final List<JsonNode> login = CyrusDavServerIT.events(fixtures.record("login", notify.untilMark(WAIT)));
        assertThat(login).extracting(e -> e.get("event").asText()).containsOnly("MailboxCreate");
        assertThat(login).extracting(e -> e.get("uri").asText().replaceAll("UIDVALIDITY=\\d+", "UIDVALIDITY=1"))
                .containsExactly(INBOX_URI + "1", "imap://localhost/user.alice.Sent%40example.com;UIDVALIDITY=1",
                        "imap://localhost/user.alice.Trash%40example.com;UIDVALIDITY=1");
        assertThat(login).allSatisfy(e -> assertThat(e.get("user").asText()).isEqualTo(ALICE));

        // A subfolder that LMTP may deliver into (plus address): 'p' for anyone.
        cyrus.imap(ALICE, List.of("CREATE INBOX.Work", "SETACL INBOX.Work anyone p"));
        fixtures.record("create-subfolder", notify.untilMark(WAIT));

        // Registration as iOS Mail sends it here: the names as this namespace shows them to the client.
        try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), ALICE, CyrusServer.PASSWORD)) {
            assertThat(phone.register("0715A26B-CA09-4730-A419-793000CA982E", TOKEN, "INBOX", "INBOX.Work"))
                    .contains("* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX.Work\"");
        }
        final JsonNode registration = single(fixtures.record("register", notify.untilMark(WAIT)));
        assertThat(registration.get("event").asText()).isEqualTo("ApplePushService");
        assertThat(registration.get("user").asText()).isEqualTo(ALICE);
        assertThat(registration.get("mailboxes")).extracting(JsonNode::asText).containsExactly("INBOX", "INBOX.Work");

        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", ALICE, "Subject: to the INBOX\n\nhello\n");
        final JsonNode inbox = messageEvent(fixtures.record("lmtp-inbox", notify.untilMark(WAIT)), "MessageNew");
        assertThat(inbox.get("uri").asText()).startsWith(INBOX_URI).endsWith("/;UID=1");
        assertThat(inbox.get("user").asText()).isEqualTo(ALICE);

        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "alice+Work@example.com",
                "Subject: to Work\n\nhello\n");
        final JsonNode work = messageEvent(fixtures.record("lmtp-subfolder", notify.untilMark(WAIT)), "MessageNew");
        assertThat(work.get("uri").asText()).startsWith(WORK_URI).endsWith("/;UID=1");
        // A plus-address delivery names no user: only the uri says whose folder it is.
        assertThat(work.get("user").asText()).isEmpty();

        final String message = "From: alice@example.com\r\nSubject: appended\r\n\r\nhello\r\n";
        cyrus.imap(ALICE, List.of("APPEND INBOX.Work {" + message.length() + "+}\r\n" + message));
        final JsonNode append = messageEvent(fixtures.record("append-subfolder", notify.untilMark(WAIT)),
                "MessageAppend");
        assertThat(append.get("uri").asText()).startsWith(WORK_URI).endsWith("/;UID=2");
        assertThat(append.get("user").asText()).isEqualTo(ALICE);
        assertThat(append.get("mailboxID").asText()).isEqualTo(work.get("mailboxID").asText());

        // DAV under virtdomains: homes and pushkeys carry the full user id; changes still carry the uniqueid.
        final DavClient dav = new DavClient(cyrus.httpBase(), ALICE, CyrusServer.PASSWORD);
        final DavClient.PushTransport transport = dav.pushTransports(DavClient.calendarHome(ALICE));
        assertThat(transport.apsBundleId()).isEqualTo(CyrusDavServerIT.CALENDAR_TOPIC);
        fixtures.record("dav-provision", notify.untilMark(WAIT));
        final Map<String, String> keys = dav.pushKeys(DavClient.calendarHome(ALICE));
        final String key = keys.get("/dav/calendars/user/alice@example.com/Default/");
        assertThat(key).matches("alice@example\\.com/[0-9a-z]{24}");
        assertThat(dav.subscribe(transport.subscriptionUrl(), "ab".repeat(32), key)).isEqualTo(200);
        final JsonNode subscription = single(fixtures.record("dav-subscribe-calendar", notify.untilMark(WAIT)));
        assertThat(subscription.get("user").asText()).isEqualTo(ALICE);
        assertThat(subscription.get("mailboxUser").asText()).isEqualTo(ALICE);
        assertThat(ALICE + "/" + subscription.get("mailboxUniqueId").asText()).isEqualTo(key);
        assertThat(dav.putEvent("/dav/calendars/user/alice@example.com/Default/ev1.ics", "ev1@mailpush.test",
                "first")).isEqualTo(201);
        final JsonNode put = messageEvent(fixtures.record("dav-put-new", notify.untilMark(WAIT)), "MessageNew");
        assertThat(put.get("uri").asText())
                .startsWith("imap://localhost/user.alice.%23calendars.Default%40example.com;UIDVALIDITY=");
        assertThat(put.get("mailboxID").asText()).isEqualTo(subscription.get("mailboxUniqueId").asText());
    }

    /** The one {@code name} event among a delivery's events (the others are its MailboxModseq). */
    private static JsonNode messageEvent(final List<byte[]> datagrams, final String name) throws IOException {
        final List<JsonNode> events = CyrusDavServerIT.events(datagrams);
        assertThat(events).extracting(e -> e.get("event").asText()).containsExactlyInAnyOrder("MailboxModseq", name);
        return events.stream().filter(e -> name.equals(e.get("event").asText())).findFirst().orElseThrow();
    }

    private static JsonNode single(final List<byte[]> datagrams) throws IOException {
        assertThat(datagrams.stream().map(NotifyDatagramCapture::json).toList()).hasSize(1);
        return CyrusDavServerIT.events(datagrams).get(0);
    }
}
