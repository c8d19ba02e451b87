package org.mailpush.server.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.RegistrationKey;
import org.mailpush.testing.CyrusServer;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.XApplePushClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole path on a real Cyrus IMAP 3.x: a real IMAP client registers two devices with XAPPLEPUSHSERVICE, Cyrus
 * reports the registrations and then a message delivered over real LMTP on the notify socket that mailpush owns,
 * and Pushy's validating mock APNs receives the pushes.
 */
class CyrusPipelineIT {

    static final String PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String OLD_PHONE = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String PHONE_ACCOUNT = "0715A26B-CA09-4730-A419-793000CA982E";
    static final String OLD_PHONE_ACCOUNT = "6C3E1B0A-1111-2222-3333-444455556666";

    @TempDir
    Path dir;

    ExamplePki pki;
    LoopbackApnsServer apns;
    MailpushService mailpush;
    CyrusServer cyrus;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), PHONE);
        apns.allow(pki.client().topic(), OLD_PHONE);

        // The socket folder belongs to root's group "mail" like Debian's /run/cyrus: Cyrus (user cyrus, group mail)
        // can reach the socket only through the mode and group mailpush gives it.
        final Path socketDir = Files.createDirectories(dir.resolve("sock"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final GroupPrincipal mail = socketDir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName("mail");
        Files.getFileAttributeView(socketDir, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(mail);
        Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-x---"));
        final Path socket = socketDir.resolve("notify");

        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), socket,
                "mail", apns.port(), pki.caCertificateFile(), pki.client().p12File(), pki.client().p12PasswordFile());
        mailpush = MailpushService.start(ConfigLoader.load(config));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
        assertThat(Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class).group())
                .isEqualTo(mail);

        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")), new CyrusServer.Settings(
                pki.client().topic(), socket.toString(), true, true, List.of("test")));
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
    void newMailReachesTheRegisteredPhoneAndAnUnregisteredOneIsDroppedAfterOnePush() throws Exception {
        assertThat(cyrus.masterUid()).as("Cyrus runs as its own user, not root").isNotZero();

        try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), "test", CyrusServer.PASSWORD)) {
            assertThat(phone.hasCapability("XAPPLEPUSHSERVICE")).isTrue();
            final List<String> reply = phone.register(PHONE_ACCOUNT, PHONE, "INBOX", "Sent", "NoSuchFolder");
            assertThat(reply).contains("* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"",
                    "* XAPPLEPUSHSERVICE \"mailbox\" \"Sent\"",
                    "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + pki.client().topic() + "\"");
            phone.register(OLD_PHONE_ACCOUNT, OLD_PHONE, "INBOX");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> mailpush.registrations().count() == 2);
        assertThat(mailpush.registrations().find(new RegistrationKey(PHONE_ACCOUNT, PHONE)).orElseThrow().mailboxes())
                .as("Cyrus drops the folder that does not exist").containsExactlyInAnyOrder("INBOX", "Sent");
        // The old phone's app is deleted after it registered: from now on APNs answers 410 Unregistered for it.
        apns.unregister(OLD_PHONE, Instant.now());

        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "test",
                "From: sender@example.org\r\nTo: test@localhost\r\nSubject: first\r\n\r\nHello.\r\n");

        await().atMost(Duration.ofSeconds(15)).until(() ->
                apns.receivedFor(PHONE).size() == 1 && apns.receivedFor(OLD_PHONE).size() == 1);
        final ReceivedPush push = apns.receivedFor(PHONE).get(0);
        assertThat(push.accepted()).isTrue();
        assertThat(push.topic()).isEqualTo(pki.client().topic());
        assertThat(push.payload()).isEqualTo("{\"aps\":{\"account-id\":\"" + PHONE_ACCOUNT + "\"}}");
        assertThat(push.pushType()).isEqualTo("background");
        assertThat(apns.receivedFor(OLD_PHONE).get(0).reason()).isEqualTo("Unregistered");
        await().atMost(Duration.ofSeconds(5)).until(() -> mailpush.registrations().count() == 1);
        assertThat(mailpush.registrations().find(new RegistrationKey(OLD_PHONE_ACCOUNT, OLD_PHONE))).isEmpty();

        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "test",
                "From: sender@example.org\r\nTo: test@localhost\r\nSubject: second\r\n\r\nHello again.\r\n");

        await().atMost(Duration.ofSeconds(15)).until(() -> apns.receivedFor(PHONE).size() == 2);
        // Both deliveries were routed before the second push was answered; the old phone was not tried again.
        assertThat(apns.receivedFor(OLD_PHONE)).hasSize(1);
        assertThat(apns.received()).hasSize(3);
        assertThat(mailpush.intake().badInput(org.mailpush.notifyd.intake.BadInputKind.WRONG_METHOD)).isZero();
    }
}
