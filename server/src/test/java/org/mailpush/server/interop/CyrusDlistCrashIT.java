package org.mailpush.server.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.testing.CyrusServer;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.XApplePushClient;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cyrus's stream mode ({@code notifysocket: dlist:/path}) with a real Cyrus and mailpush as its own process: events
 * Cyrus saw acknowledged while APNs was unreachable are on disk when mailpush is killed with SIGKILL, and after a
 * restart every one of them leads to its push.
 */
class CyrusDlistCrashIT {

    static final int USERS = 5;

    @TempDir
    Path dir;
    ExamplePki pki;
    LoopbackApnsServer apns;
    CyrusServer cyrus;
    Process mailpush;
    int apnsPort;
    int opsPort;

    @AfterEach
    void stop() {
        if (mailpush != null) {
            mailpush.destroyForcibly();
        }
        if (cyrus != null) {
            cyrus.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    static String token(final int user) {
        return String.format("%064x", 0xC0FFEE00L + user);
    }

    @Test
    void everyEventAcknowledgedBeforeAKillIsPushedAfterTheRestart() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apnsPort = freePort();
        opsPort = freePort();
        startApns();
        final Path socketDir = Files.createDirectories(dir.resolve("sock"));
        final GroupPrincipal mail = socketDir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName("mail");
        Files.getFileAttributeView(socketDir, PosixFileAttributeView.class).setGroup(mail);
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-x---"));
        final Path socket = socketDir.resolve("notify");
        final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "store:",
                "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                "cyrus:",
                "  notify-socket: dlist:" + socket,
                "  socket-group: mail",
                "  queue-directory: " + dir.resolve("data/cyrus-queue"),
                "apns:",
                "  host: localhost",
                "  port: " + apnsPort,
                "  trust: " + pki.caCertificateFile(),
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                "  retry: { max-attempts: 100, initial-backoff: 200ms, max-backoff: 1s }",
                "http:",
                "  listen: 127.0.0.1:" + opsPort,
                ""));
        mailpush = startMailpush(config);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket));

        final List<String> users = new ArrayList<>();
        for (int n = 1; n <= USERS; n++) {
            users.add("user" + n);
        }
        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")), new CyrusServer.Settings(
                pki.client().topic(), "dlist:" + socket, true, true, users));
        for (int n = 1; n <= USERS; n++) {
            try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), "user" + n, CyrusServer.PASSWORD)) {
                phone.register("ACC-" + n, token(n), "INBOX");
            }
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> metric(
                "mailpush_registration_changes_total{change=\"added\"}") == USERS);

        // APNs goes away; mail keeps arriving and Cyrus's events are acknowledged, but no push can be answered.
        apns.close();
        apns = null;
        for (int n = 1; n <= USERS; n++) {
            LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "user" + n,
                    "From: sender@example.org\r\nSubject: while APNs is down\r\n\r\nHello.\r\n");
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> metric(
                "mailpush_events_received_total{source=\"cyrus\",type=\"MessageNew\"}") == USERS);
        assertThat(metric("mailpush_pushes_accepted_total{kind=\"mail\"}")).isZero();

        // The process dies without any chance to tidy up.
        mailpush.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        assertThat(mailpush.exitValue()).isEqualTo(137);

        startApns();
        mailpush = startMailpush(config);
        await().atMost(Duration.ofSeconds(60)).until(() -> allPushed());
        for (int n = 1; n <= USERS; n++) {
            assertThat(apns.receivedFor(token(n))).as("user%d", n).isNotEmpty()
                    .allMatch(push -> push.accepted());
        }
        assertThat(Files.readString(dir.resolve("mailpush-2.log"))).contains("Replayed " + USERS
                + " event(s) acknowledged to Cyrus before the last stop");
    }

    private boolean allPushed() {
        for (int n = 1; n <= USERS; n++) {
            if (apns.receivedFor(token(n)).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private void startApns() throws Exception {
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(),
                apnsPort);
        for (int n = 1; n <= USERS; n++) {
            apns.allow(pki.client().topic(), token(n));
        }
    }

    private int starts;

    private Process startMailpush(final Path config) throws Exception {
        starts++;
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "mailpush.jar").toAbsolutePath().toString(), "run", "--allow-root",
                "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mailpush-" + starts + ".log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertThat(process.isAlive()).as(Files.readString(dir.resolve("mailpush-" + starts + ".log"))).isTrue();
            return Files.readString(dir.resolve("mailpush-" + starts + ".log")).contains("mailpush started");
        });
        return process;
    }

    private double metric(final String series) throws Exception {
        final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + opsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : body.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
