package org.mailpush.server.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.testing.Folders;
import org.mailpush.testing.PostgresCluster;
import org.mailpush.testing.RawHttpConnection;
import org.mailpush.testing.SystemUsers;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mailpush.testing.RawHttpConnection.dovecotPost;

/**
 * The split install: {@code mailpush run --role intake} and {@code --role pusher} as two processes under two OS
 * users and two PostgreSQL roles (granted by {@code docs/postgresql/split-roles.sql}), sharing only the token store
 * and its push queue. The intake user cannot read the APNs key; neither database role can change the schema or do
 * the other side's work; a registration and a new message posted to the intake still end in a push at (mock) APNs,
 * and so do a calendar subscription and a change in that calendar sent to the intake's Cyrus notify socket (pushed
 * through the pusher's calendar credential).
 */
class SplitProcessesIT {

    static final String INTAKE_USER = "mailpush-in";
    static final String PUSHER_USER = "mailpush-out";
    static final String INTAKE_ROLE = "mailpush_intake";
    static final String PUSHER_ROLE = "mailpush_pusher";
    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.0b7e2c9d-4a1f-4e6b-8d3c-5f9a2e1b7c40";
    static final String CALENDAR_ID = "1178pie115u8qv1hhvvk0myj";

    @TempDir
    Path dir;
    Process intake;
    Process pusher;
    LoopbackApnsServer apns;
    ExamplePki.ClientCredentialFiles calendar;

    @AfterEach
    void stop() {
        for (final Process process : new Process[]{intake, pusher}) {
            if (process != null) {
                process.destroy();
            }
        }
        if (apns != null) {
            apns.close();
        }
    }

    @Test
    void theIntakeCannotReadTheKeyAndPushesStillFlow() throws Exception {
        SystemUsers.ensure(INTAKE_USER);
        SystemUsers.ensure(PUSHER_USER);
        Folders.makeTraversable(dir);
        final Path app = Files.createDirectories(dir.resolve("app"));
        final Path jar = Files.copy(Path.of("target", "mailpush.jar"), app.resolve("mailpush.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));

        // The credentials belong to the pusher's user alone.
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        calendar = pki.issueClient("calendar", ExamplePki.ClientSpec.mail().withTopic(CALENDAR_TOPIC));
        try (Stream<Path> files = Files.list(dir.resolve("pki"))) {
            for (final Path file : files.toList()) {
                SystemUsers.chown(file, PUSHER_USER);
            }
        }
        SystemUsers.chown(dir.resolve("pki"), PUSHER_USER);
        Files.setPosixFilePermissions(dir.resolve("pki"), PosixFilePermissions.fromString("rwx------"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), TOKEN);
        apns.allow(CALENDAR_TOPIC, TOKEN);
        // Cyrus's notify socket belongs to the intake; its folder is the intake user's.
        final Path sockets = Files.createDirectories(dir.resolve("sock"));
        SystemUsers.chown(sockets, INTAKE_USER);
        final Path socket = sockets.resolve("notify");

        try (PostgresCluster database = PostgresCluster.create(Files.createDirectories(dir.resolve("pg")), "data")
                .start()) {
            database.psql("CREATE DATABASE mailpush");
            database.psql("CREATE ROLE " + INTAKE_ROLE + " LOGIN", "CREATE ROLE " + PUSHER_ROLE + " LOGIN");
            final int xapsdPort = freePort();
            final int intakePort = freePort();
            // The intake's configuration does not even say where the key is: only the topic it answers with.
            final Path intakeConfig = config("intake.yaml", database.jdbcUrl("mailpush"), INTAKE_ROLE, pki,
                    freePort(), false, "xapsd:", "  listen: 127.0.0.1:" + xapsdPort, "intake:",
                    "  listen: 127.0.0.1:" + intakePort, "cyrus:", "  notify-socket: " + socket);
            final Path pusherConfig = config("pusher.yaml", database.jdbcUrl("mailpush"), PUSHER_ROLE, pki,
                    freePort(), true);
            final Path ownerConfig = config("owner.yaml", database.jdbcUrl("mailpush"), "postgres", pki, freePort(),
                    false);

            // Before the owner has created the schema, a role that may not create it says what to do.
            final SystemUsers.Result refused = SystemUsers.runAs(INTAKE_USER, java(), "-jar", jar.toString(), "run",
                    "--role", "intake", "--config", intakeConfig.toString());
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.output()).contains("cannot migrate the token store schema")
                    .contains("permission denied for schema public")
                    .contains("open the store once as the schema's owner");
            // The owner migrates (any command that opens the store), then grants what docs/postgresql says.
            final SystemUsers.Result migrated = SystemUsers.runAs(PUSHER_USER, java(), "-jar", jar.toString(),
                    "tokens", "list", "--config", ownerConfig.toString());
            assertThat(migrated.exit()).as(migrated.output()).isZero();
            database.psqlOn("mailpush", Files.readString(splitRolesSql()));

            pusher = SystemUsers.startAs(PUSHER_USER, dir.resolve("pusher.log"), java(), "-jar", jar.toString(),
                    "run", "--role", "pusher", "--config", pusherConfig.toString());
            awaitStarted(pusher, dir.resolve("pusher.log"));
            intake = SystemUsers.startAs(INTAKE_USER, dir.resolve("intake.log"), java(), "-jar", jar.toString(),
                    "run", "--role", "intake", "--config", intakeConfig.toString());
            awaitStarted(intake, dir.resolve("intake.log"));

            assertThat(SystemUsers.runAs(INTAKE_USER, "cat", pki.client().p12File().toString()).exit())
                    .as("the intake user reads the key").isNotZero();
            assertThat(SystemUsers.runAs(INTAKE_USER, "cat", pki.client().p12PasswordFile().toString()).output())
                    .contains("Permission denied");
            assertThat(SystemUsers.runAs(PUSHER_USER, "cat", pki.client().p12PasswordFile().toString()).exit())
                    .isZero();

            try (RawHttpConnection http = new RawHttpConnection(new InetSocketAddress("127.0.0.1", xapsdPort))) {
                http.send(dovecotPost("/register", "h", "{\"ApsAccountId\":\"ACC\",\"ApsDeviceToken\":\"" + TOKEN
                        + "\",\"ApsSubtopic\":\"com.apple.mobilemail\",\"Username\":\"bob\",\"Mailboxes\":"
                        + " [\"INBOX\"]}", false));
                final RawHttpConnection.Response registered = http.read();
                assertThat(registered.status()).isEqualTo(200);
                assertThat(registered.body()).as("answered with apns.topic").isEqualTo(pki.client().topic());
            }
            try (RawHttpConnection http = new RawHttpConnection(new InetSocketAddress("127.0.0.1", intakePort))) {
                http.send(dovecotPost("/v1/events", "h", "{\"user\":\"bob\",\"events\":[{\"event\":\"MessageNew\","
                        + "\"mailbox\":\"INBOX\",\"uid\":1}]}", false));
                assertThat(http.read().status()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> apns.receivedFor(TOKEN).size() == 1);
            assertThat(apns.receivedFor(TOKEN).get(0).accepted()).isTrue();
            assertThat(apns.receivedFor(TOKEN).get(0).payload()).isEqualTo("{\"aps\":{\"account-id\":\"ACC\"}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> database.psqlOn("mailpush",
                    "SELECT count(*) FROM push_queue")
                    .strip().equals("0"));
            assertThat(Files.readString(dir.resolve("intake.log"))).doesNotContain("APNs credential");

            // A calendar subscription and a change in that calendar, as Cyrus's httpd reports them, cross the queue
            // too: pushed by the pusher process through the calendar credential, with the collection's key.
            try (NotifyDatagramSender cyrus = new NotifyDatagramSender(socket)) {
                cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushServiceDAV\","
                        + "\"pid\":1,\"user\":\"bob\",\"vnd.cmu.mbtype\":\"c\",\"apsTopic\":\"" + CALENDAR_TOPIC
                        + "\",\"apsDeviceToken\":\"" + TOKEN + "\",\"mailboxUser\":\"bob\",\"mailboxUniqueId\":\""
                        + CALENDAR_ID + "\",\"expiry\":86400}"));
                await().atMost(Duration.ofSeconds(10)).until(() -> database.psqlOn("mailpush",
                        "SELECT count(*) FROM dav_subscription").strip().equals("1"));
                cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\",\"timestamp\":"
                        + "\"2026-12-01T15:39:50.026Z\",\"mailboxID\":\"" + CALENDAR_ID + "\",\"uri\":"
                        + "\"imap://localhost/user/bob/%23calendars/Default;UIDVALIDITY=1796139581/;UID=1\",\"pid\":2,"
                        + "\"user\":\"bob\",\"vnd.cmu.mbtype\":\"c\",\"serverFQDN\":\"localhost\"}"));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> apns.receivedFor(TOKEN).size() == 2);
            final ReceivedPush calendarPush = apns.receivedFor(TOKEN).get(1);
            assertThat(calendarPush.accepted()).isTrue();
            assertThat(calendarPush.topic()).isEqualTo(CALENDAR_TOPIC);
            assertThat(calendarPush.priority()).isEqualTo("5");
            assertThat(calendarPush.payload()).startsWith("{\"key\":\"bob/" + CALENDAR_ID + "\",");
            await().atMost(Duration.ofSeconds(10)).until(() -> database.psqlOn("mailpush",
                    "SELECT count(*) FROM push_queue").strip().equals("0"));

            // What each database role may not do.
            assertThat(refusedSql(database, INTAKE_ROLE, "DELETE FROM push_queue"))
                    .contains("permission denied for table push_queue");
            assertThat(refusedSql(database, INTAKE_ROLE, "UPDATE push_queue SET claimed_by = 'x', lease_until = now()"))
                    .as("the intake cannot claim rows").contains("permission denied for table push_queue");
            assertThat(refusedSql(database, PUSHER_ROLE, "UPDATE push_queue SET generation = 0, new_mail = true"))
                    .as("the pusher cannot make or change a queued push").contains(
                            "permission denied for table push_queue");
            assertThat(refusedSql(database, INTAKE_ROLE, "DROP TABLE push_queue"))
                    .contains("must be owner of table push_queue");
            assertThat(refusedSql(database, PUSHER_ROLE, "UPDATE registration SET device_token = 'x'"))
                    .contains("permission denied for table registration");
            assertThat(refusedSql(database, PUSHER_ROLE, "INSERT INTO push_queue (account_id, device_token, new_mail,"
                    + " received_at) VALUES ('a', 'b', true, now())")).contains(
                            "permission denied for table push_queue");
            assertThat(refusedSql(database, PUSHER_ROLE, "UPDATE dav_subscription SET push_key = 'x'"))
                    .contains("permission denied for table dav_subscription");
            assertThat(database.psqlAs(INTAKE_ROLE, "mailpush", "SELECT count(*) FROM dav_subscription").strip())
                    .as("the intake may read and write DAV subscriptions").isEqualTo("1");
            assertThat(refusedSql(database, PUSHER_ROLE, "CREATE TABLE planted (x int)"))
                    .contains("permission denied for schema public");
        }
    }

    /** Runs one statement as {@code role}, which must be refused; returns PostgreSQL's message. */
    private static String refusedSql(final PostgresCluster database, final String role, final String sql)
            throws Exception {
        try {
            database.psqlAs(role, "mailpush", sql);
        } catch (final java.io.IOException e) {
            return e.getMessage();
        }
        throw new AssertionError(role + " was allowed to run: " + sql);
    }

    /** The file the docs give admins (tests run in the server module's folder). */
    private static Path splitRolesSql() {
        return Path.of("..", "docs", "postgresql", "split-roles.sql");
    }

    private Path config(final String name, final String storeUrl, final String storeUser, final ExamplePki pki,
                        final int opsPort, final boolean withCredentials, final String... more) throws Exception {
        final java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(
                "store:",
                "  url: " + storeUrl,
                "  user: " + storeUser,
                "apns:",
                "  topic: " + pki.client().topic()));
        if (withCredentials) {
            lines.addAll(java.util.List.of(
                    "  host: localhost",
                    "  port: " + apns.port(),
                    "  trust: " + pki.caCertificateFile(),
                    "  credentials:",
                    "    - p12: " + pki.client().p12File(),
                    "      password-file: " + pki.client().p12PasswordFile(),
                    "    - p12: " + calendar.p12File(),
                    "      password-file: " + calendar.p12PasswordFile()));
        }
        lines.addAll(java.util.List.of(
                "http:",
                "  listen: 127.0.0.1:" + opsPort));
        lines.addAll(java.util.List.of(more));
        lines.add("");
        final Path file = Files.writeString(dir.resolve(name), String.join("\n", lines));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void awaitStarted(final Process process, final Path log) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertThat(process.isAlive()).as(Files.exists(log) ? Files.readString(log) : "").isTrue();
            return Files.exists(log) && Files.readString(log).contains("mailpush started");
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
