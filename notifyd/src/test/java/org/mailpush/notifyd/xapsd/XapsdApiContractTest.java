package org.mailpush.notifyd.xapsd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.http.HttpIntakeServer;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.RawHttpConnection;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.testing.RawHttpConnection.dovecotPost;

/**
 * Replays the requests of the xaps Dovecot plugin (dovecot-xaps-plugin: xaps-imap-plugin.c builds the /register
 * body, xaps-push-notification-plugin.c the /notify body, byte for byte as below, including the space after
 * {@code "Mailboxes":} and {@code "Events":}) against the xapsd API on its default address family, and checks the
 * status codes and bodies the plugin relies on.
 */
class XapsdApiContractTest {

    static final String TOPIC = "com.apple.mail.XServer.3a8e1f52-6d7b-4c1e-9a0f-2b4c6d8e0f12";
    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String ACCOUNT = "0715A26B-CA09-4730-A419-793000CA982E";

    @TempDir
    Path dir;

    private TokenStore tokenStore;
    private RegistrationStore store;
    private EventRouter router;
    private HttpIntakeServer server;
    private HttpIntakeServer withSecret;
    private final IntakeCounters counters = new IntakeCounters();
    private final List<PushIntent> pushes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        router = new EventRouter(store, tokenStore.subscriptions(), pushes::add, counters, TOPIC, 100,
                Clock.systemUTC());
        server = xapsd(new InetSocketAddress("::1", 0), null);
    }

    private HttpIntakeServer xapsd(final InetSocketAddress listen, final String secret) throws IOException {
        final HttpIntakeServer.Builder builder = HttpIntakeServer.builder()
                .name("xapsd")
                .listen(listen)
                .listener(counters)
                .endpoint("POST", XapsRegisterEndpoint.PATH, new XapsRegisterEndpoint("xapsd", router, counters))
                .endpoint("POST", XapsNotifyEndpoint.PATH, new XapsNotifyEndpoint("xapsd", Clock.systemUTC(), router,
                        counters));
        if (secret != null) {
            builder.sharedSecret(secret);
        }
        return builder.bind();
    }

    @AfterEach
    void stop() {
        server.close();
        if (withSecret != null) {
            withSecret.close();
        }
        router.close();
        tokenStore.close();
    }

    /** What xaps-imap-plugin.c sends for a phone's XAPPLEPUSHSERVICE command. */
    static String registerBody(final String user, final String token, final String subtopic,
                               final String mailboxes) {
        return "{\"ApsAccountId\":\"" + ACCOUNT + "\",\"ApsDeviceToken\":\"" + token + "\",\"ApsSubtopic\":\""
                + subtopic + "\",\"Username\":\"" + user + "\",\"Mailboxes\": [" + mailboxes + "]}";
    }

    /** What xaps-push-notification-plugin.c sends at the end of a mail transaction. */
    static String notifyBody(final String user, final String mailbox, final String events) {
        return "{\"Username\":\"" + user + "\",\"Mailbox\":\"" + mailbox + "\",\"Events\": [" + events + "]}";
    }

    private RawHttpConnection.Response post(final String path, final String body) throws IOException {
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost(path, "localhost:11619", body, false));
            return http.read();
        }
    }

    private void register() throws IOException {
        assertThat(post("/register", registerBody("Alice@Example.ORG", TOKEN, "com.apple.mobilemail",
                "\"INBOX\",\"Notes\",\"&AMQ-rger\"")).status()).isEqualTo(200);
    }

    @Test
    void registerAnswersTheBareTopicAndStoresTheDevice() throws IOException {
        final RawHttpConnection.Response answer = post("/register", registerBody("Alice@Example.ORG", TOKEN,
                "com.apple.mobilemail", "\"INBOX\",\"Notes\",\"&AMQ-rger\""));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers()).containsEntry("content-type", "text/plain; charset=utf-8");
        assertThat(answer.body()).isEqualTo(TOPIC);
        // The plugin copies the body into its IMAP reply and older builds crash on a topic of 50 bytes or fewer.
        assertThat(answer.body().length()).isGreaterThan(50);

        final Registration stored = store.find(new RegistrationKey(ACCOUNT, TOKEN)).orElseThrow();
        assertThat(stored.username()).isEqualTo("alice@example.org");
        assertThat(stored.mailboxes()).containsExactly("INBOX", "Notes", "Ärger");
        assertThat(stored.subtopic()).isEqualTo("com.apple.mobilemail");
        assertThat(stored.topic()).isEqualTo(TOPIC);
    }

    @Test
    void notifyPushesEveryRegisteredMailboxNotOnlyInbox() throws IOException {
        register();
        final RawHttpConnection.Response inbox = post("/notify", notifyBody("alice@example.org", "INBOX",
                "\"MessageNew\""));
        assertThat(inbox.status()).isEqualTo(200);
        final RawHttpConnection.Response folder = post("/notify", notifyBody("ALICE@example.org", "Ärger",
                "\"MessageAppend\""));
        assertThat(folder.status()).isEqualTo(200);

        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactly(TOKEN, TOKEN);
        assertThat(pushes).extracting(p -> p.cause().mailbox()).containsExactly("INBOX", "Ärger");
        assertThat(pushes).extracting(p -> p.cause().type())
                .containsExactly(EventType.MESSAGE_NEW, EventType.MESSAGE_APPEND);
    }

    @Test
    void notifyFoldsAnUpdateIntoOneChangeAndPrefersNewMail() throws IOException {
        register();
        assertThat(post("/notify", notifyBody("alice@example.org", "INBOX", "\"FlagsSet\",\"MessageRead\""))
                .status()).isEqualTo(200);
        assertThat(post("/notify", notifyBody("alice@example.org", "INBOX", "\"FlagsSet\",\"MessageNew\""))
                .status()).isEqualTo(200);
        assertThat(pushes).extracting(p -> p.cause().type()).containsExactly(EventType.FLAGS_SET,
                EventType.MESSAGE_NEW);
    }

    @Test
    void notifyAnswers204WhenNoDeviceWatchesTheMailboxAnd404ForAnUnknownUser() throws IOException {
        register();
        final RawHttpConnection.Response unwatched = post("/notify", notifyBody("alice@example.org", "Sent",
                "\"MessageAppend\""));
        assertThat(unwatched.status()).isEqualTo(204);
        assertThat(unwatched.body()).isEmpty();
        final RawHttpConnection.Response unknown = post("/notify", notifyBody("bob", "INBOX", "\"MessageNew\""));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(pushes).isEmpty();
    }

    @Test
    void registerRefusesWhatTheDaemonRefusesWith400() throws IOException {
        final List<String> bad = List.of(
                "{\"ApsAccountId\":",                                                                  // bad JSON
                registerBody("alice", "", "com.apple.mobilemail", "\"INBOX\""),                       // no token
                "{\"ApsAccountId\":\"A\",\"ApsDeviceToken\":\"" + TOKEN + "\",\"ApsSubtopic\":"
                        + "\"com.apple.mobilemail\",\"Mailboxes\": [\"INBOX\"]}",                       // no user
                registerBody("alice", TOKEN, "com.apple.mobilemail", ""),                              // no mailboxes
                registerBody("alice", TOKEN, "com.apple.calendar", "\"INBOX\""),                      // subtopic
                "{\"ApsAccountId\":\"A\",\"ApsDeviceToken\":\"" + TOKEN + "\",\"ApsSubtopic\":"
                        + "\"com.apple.mobilemail\",\"Username\":\"a\",\"Mailboxes\":\"INBOX\"}");      // wrong type
        for (final String body : bad) {
            final RawHttpConnection.Response answer = post("/register", body);
            assertThat(answer.status()).as(body).isEqualTo(400);
            assertThat(answer.body()).as(body).isNotBlank();
        }
        assertThat(store.count()).isZero();
        assertThat(counters.badInput(BadInputKind.INVALID_JSON)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.MISSING_FIELD)).isEqualTo(3);
        assertThat(counters.badInput(BadInputKind.BAD_VALUE)).isEqualTo(2);
        assertThat(post("/register", registerBody("alice", TOKEN, "com.apple.calendar", "\"INBOX\"")).body())
                .contains("ApsSubtopic must be com.apple.mobilemail");
        assertThat(post("/register", registerBody("alice", "", "x", "")).body())
                .contains("ApsDeviceToken, Mailboxes are missing or empty");
    }

    @Test
    void registerRefusesATokenThatIsNotHexWithoutEchoingIt() throws IOException {
        final String junk = "not-a-device-token-but-something-secret-looking-0123456789";
        final RawHttpConnection.Response answer = post("/register", registerBody("alice", junk,
                "com.apple.mobilemail", "\"INBOX\""));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).contains("ApsDeviceToken is not a hex device token").doesNotContain(junk);
        assertThat(counters.badInput(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(1);
    }

    @Test
    void notifyRefusesIncompleteBodiesWith400() throws IOException {
        // The plugin leaves Events out when the transaction carried no event data.
        for (final String body : List.of("{\"Username\":\"alice\",\"Mailbox\":\"INBOX\"}",
                notifyBody("", "INBOX", "\"MessageNew\""), notifyBody("alice", "", "\"MessageNew\""),
                "{\"Username\":\"alice\",\"Mailbox\":\"INBOX\",\"Events\":\"MessageNew\"}", "")) {
            assertThat(post("/notify", body).status()).as(body).isEqualTo(400);
        }
    }

    @Test
    void fieldNamesMatchIgnoringCaseAndUnknownFieldsAreIgnoredAsTheGoDaemonDoes() throws IOException {
        final String body = "{\"apsaccountid\":\"" + ACCOUNT + "\",\"APSDEVICETOKEN\":\"" + TOKEN + "\","
                + "\"apsSubtopic\":\"com.apple.mobilemail\",\"username\":\"carol\",\"mailboxes\":[\"INBOX\"],"
                + "\"ApsVersion\":\"2\"}";
        assertThat(post("/register", body).status()).isEqualTo(200);
        assertThat(store.registrationsOf("carol")).hasSize(1);
    }

    @Test
    void eventsThatNeverPushAreAnswered200WithoutALookup() throws IOException {
        assertThat(post("/notify", notifyBody("nobody", "INBOX", "\"MailboxCreate\",\"SomethingNew\"")).status())
                .isEqualTo(200);
        assertThat(counters.ignored(EventType.MAILBOX_CREATE)).isEqualTo(1);
    }

    @Test
    void aStoreFailureIsAnswered500() throws IOException {
        tokenStore.close();
        assertThat(post("/register", registerBody("alice", TOKEN, "com.apple.mobilemail", "\"INBOX\"")).status())
                .isEqualTo(500);
        assertThat(post("/notify", notifyBody("alice", "INBOX", "\"MessageNew\"")).status()).isEqualTo(500);
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
    }

    @Test
    void aRegistrationIsInPlaceBeforeANotifyThatFollowsItOnTheSameConnection() throws IOException {
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            // Pipelined: both requests in one write, as fast as a client could send them.
            http.send(dovecotPost("/register", "h", registerBody("dave", TOKEN, "com.apple.mobilemail",
                    "\"INBOX\""), false) + dovecotPost("/notify", "h", notifyBody("dave", "INBOX",
                    "\"MessageNew\""), false));
            assertThat(http.read().body()).isEqualTo(TOPIC);
            assertThat(http.read().status()).isEqualTo(200);
        }
        assertThat(pushes).hasSize(1);
    }

    /*
     * The plugin's requests byte for byte, captured from dovecot-xaps-plugin 197d68e built against Debian 12's
     * dovecot-dev 2.3.19.1, with xaps_config = url=http://xaps:s3cret@127.0.0.1:21619: Dovecot's HTTP client sends
     * HTTP/1.1 on a kept-alive connection, no Expect, the URL's user part as Basic authentication, and the plugin's
     * own Content-Type. The phone's command was
     * XAPPLEPUSHSERVICE aps-version 2 aps-account-id ... mailboxes (INBOX "Work Stuff"); then an APPEND into
     * "Work Stuff" over IMAP and an LMTP delivery into INBOX.
     */
    static final String CAPTURED_REGISTER = "POST /register HTTP/1.1\r\nHost: 127.0.0.1:21619\r\n"
            + "Date: Tue, 01 Dec 2026 17:21:04 GMT\r\nAuthorization: Basic eGFwczpzM2NyZXQ=\r\nContent-Length: 231\r\n"
            + "Connection: Keep-Alive\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
            + "{\"ApsAccountId\":\"0715A26B-CA09-4730-A419-793000CA982E\",\"ApsDeviceToken\":"
            + "\"2918390218931890821908309283098109381029309829018310983092892829\",\"ApsSubtopic\":"
            + "\"com.apple.mobilemail\",\"Username\":\"alice\",\"Mailboxes\": [\"INBOX\",\"Work Stuff\"]}";
    static final String CAPTURED_NOTIFY_APPEND = "POST /notify HTTP/1.1\r\nHost: 127.0.0.1:21619\r\n"
            + "Date: Tue, 01 Dec 2026 17:21:05 GMT\r\nAuthorization: Basic eGFwczpzM2NyZXQ=\r\nContent-Length: 71\r\n"
            + "Connection: Keep-Alive\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
            + "{\"Username\":\"alice\",\"Mailbox\":\"Work Stuff\",\"Events\": [\"MessageAppend\"]}";
    static final String CAPTURED_NOTIFY_NEW = "POST /notify HTTP/1.1\r\nHost: 127.0.0.1:21619\r\n"
            + "Date: Tue, 01 Dec 2026 17:21:09 GMT\r\nAuthorization: Basic eGFwczpzM2NyZXQ=\r\nContent-Length: 63\r\n"
            + "Connection: Keep-Alive\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
            + "{\"Username\":\"alice\",\"Mailbox\":\"INBOX\",\"Events\": [\"MessageNew\"]}";

    @Test
    void thePluginsCapturedRequestsWithTheSecretFromTheUrlAreServedOnOneConnection() throws IOException {
        withSecret = xapsd(new InetSocketAddress("127.0.0.1", 0), "s3cret");
        // The Content-Length values are the plugin's: the captured bodies are whole.
        assertThat(CAPTURED_REGISTER.substring(CAPTURED_REGISTER.indexOf("\r\n\r\n") + 4)).hasSize(231);
        try (RawHttpConnection plugin = new RawHttpConnection(withSecret.address())) {
            plugin.send(CAPTURED_REGISTER);
            final RawHttpConnection.Response registered = plugin.read();
            assertThat(registered.status()).isEqualTo(200);
            // The plugin reads at most 128 bytes of the body and asserts more than 50: the bare topic.
            assertThat(registered.body()).isEqualTo(TOPIC);
            assertThat(registered.headers()).doesNotContainKey("connection");

            plugin.send(CAPTURED_NOTIFY_APPEND);
            assertThat(plugin.read().status()).isEqualTo(200);
            plugin.send(CAPTURED_NOTIFY_NEW);
            assertThat(plugin.read().status()).isEqualTo(200);
        }
        assertThat(store.registrationsOf("alice")).singleElement().satisfies(r -> {
            assertThat(r.accountId()).isEqualTo(ACCOUNT);
            assertThat(r.mailboxes()).containsExactly("INBOX", "Work Stuff");
        });
        assertThat(pushes).extracting(p -> p.cause().mailbox()).containsExactly("Work Stuff", "INBOX");
        assertThat(pushes).extracting(p -> p.cause().type())
                .containsExactly(EventType.MESSAGE_APPEND, EventType.MESSAGE_NEW);
    }

    @Test
    void theCapturedRequestsWithAnotherSecretAreRefused401AndCounted() throws IOException {
        withSecret = xapsd(new InetSocketAddress("127.0.0.1", 0), "another");
        try (RawHttpConnection plugin = new RawHttpConnection(withSecret.address())) {
            plugin.send(CAPTURED_REGISTER);
            assertThat(plugin.read().status()).isEqualTo(401);
        }
        assertThat(store.count()).isZero();
        assertThat(counters.badInput(BadInputKind.UNAUTHENTICATED)).isEqualTo(1);
    }

    @Test
    void aRefusedRegistrationSaysWhyInTheStatusLineTheOnlyPartThePluginLogsAndIsCountedAsARefusal()
            throws IOException {
        // The plugin logs "Error when sending notification: <status> <reason>" and still tells the phone OK.
        final RawHttpConnection.Response answer = post("/register", registerBody("alice", "not-a-hex-token",
                "com.apple.mobilemail", "\"INBOX\""));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.reason()).isEqualTo("Bad Request: ApsDeviceToken is not a hex device token (15 characters"
                + " starting not-a-he...)");
        assertThat(counters.refusedRegistrations(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(1);

        // A bad notification is bad input, not a refused registration.
        assertThat(post("/notify", "{\"Username\":\"alice\"}").reason()).startsWith("Bad Request: ");
        assertThat(counters.badInput(BadInputKind.MISSING_FIELD)).isEqualTo(1);
        assertThat(counters.refusedRegistrations(BadInputKind.MISSING_FIELD)).isZero();
    }
}
