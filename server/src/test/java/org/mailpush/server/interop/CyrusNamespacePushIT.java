package org.mailpush.server.interop;

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
import org.mailpush.testing.CyrusServer;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.XApplePushClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mail routing on a real Cyrus whose namespace is not Cyrus 3's default — {@code altnamespace: no},
 * {@code unixhierarchysep: no} ({@code .} separates, folders are {@code INBOX.Work}) and {@code virtdomains: userid}
 * (user {@code alice@example.com}, event URIs {@code user.alice.Work%40example.com}) — with a mailpush.yaml that
 * has no namespace keys at all (issue 16, acceptance 3): mailpush must work out the namespace from what Cyrus sends.
 * Both an LMTP delivery (by plus address) and an APPEND into the subfolder push the device registered for it, and only
 * that one.
 */
class CyrusNamespacePushIT {

    private static final String ALICE = "alice@example.com";
    /** Registered for INBOX and INBOX.Work. */
    private static final String PHONE = "2918390218931890821908309283098109381029309829018310983092892829";
    private static final String PHONE_ACCOUNT = "0715A26B-CA09-4730-A419-793000CA982E";
    /** Registered for INBOX only. */
    private static final String TABLET = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    private static final String TABLET_ACCOUNT = "6C3E1B0A-1111-2222-3333-444455556666";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private ExamplePki pki;
    private LoopbackApnsServer apns;
    private MailpushService mailpush;
    private CyrusServer cyrus;

    @BeforeEach
    void start() throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(), pki.caCertificateFile(), 0);
        apns.allow(pki.client().topic(), PHONE);
        apns.allow(pki.client().topic(), TABLET);

        final Path socket = InteropSockets.mailGroupFolder(dir.resolve("sock")).resolve("notify");
        final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), socket,
                "mail", apns.port(), pki.caCertificateFile(), pki.client().p12File(), pki.client().p12PasswordFile());
        assertThat(Files.readString(config)).as("the point of this test: nothing about Cyrus's namespace")
                .doesNotContain("altnamespace", "unixhierarchysep", "virtdomains");
        mailpush = MailpushService.start(ConfigLoader.load(config));

        cyrus = CyrusServer.start(Files.createDirectories(dir.resolve("cyrus")),
                CyrusServer.Settings.builder(pki.client().topic(), socket.toString())
                        .altNamespace(false)
                        .unixHierarchySep(false)
                        .virtDomains(true)
                        .users(ALICE)
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
    void deliveryAndAppendIntoTheSubfolderPushOnlyTheDeviceRegisteredForIt() throws Exception {
        cyrus.createInbox(ALICE);
        // LMTP delivers by plus address only into a folder that grants 'p' (post) to anyone.
        cyrus.imap(ALICE, List.of("CREATE INBOX.Work", "SETACL INBOX.Work anyone p"));
        try (XApplePushClient phone = new XApplePushClient(cyrus.imapPort(), ALICE, CyrusServer.PASSWORD)) {
            assertThat(phone.register(PHONE_ACCOUNT, PHONE, "INBOX", "INBOX.Work"))
                    .contains("* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"",
                            "* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX.Work\"");
            phone.register(TABLET_ACCOUNT, TABLET, "INBOX");
        }
        await().atMost(WAIT).until(() -> mailpush.registrations().count() == 2);

        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", ALICE,
                "From: sender@example.org\r\nTo: " + ALICE + "\r\nSubject: to the INBOX\r\n\r\nHello.\r\n");
        awaitPushes(PHONE, 1);
        awaitPushes(TABLET, 1);

        // Into INBOX.Work by plus address: the event names no user, only the URI user.alice.Work%40example.com.
        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", "alice+Work@example.com",
                "From: sender@example.org\r\nTo: alice+Work@example.com\r\nSubject: to Work\r\n\r\nHello.\r\n");
        awaitPushes(PHONE, 2);

        final String message = "From: " + ALICE + "\r\nSubject: appended\r\n\r\nFiled by a client.\r\n";
        cyrus.imap(ALICE, List.of("APPEND INBOX.Work {" + message.length() + "+}\r\n" + message));
        awaitPushes(PHONE, 3);

        // The barrier: a later INBOX delivery reaches both; the tablet got nothing from the two Work messages.
        LmtpClient.deliver(cyrus.lmtpPort(), "sender@example.org", ALICE,
                "From: sender@example.org\r\nTo: " + ALICE + "\r\nSubject: again\r\n\r\nHello again.\r\n");
        awaitPushes(TABLET, 2);
        awaitPushes(PHONE, 4);
        assertThat(apns.received()).hasSize(6).allSatisfy(push -> {
            assertThat(push.accepted()).as("%s", push).isTrue();
            assertThat(push.topic()).isEqualTo(pki.client().topic());
            assertThat(push.pushType()).isEqualTo("background");
        });
        assertThat(apns.receivedFor(PHONE)).extracting(ReceivedPush::payload)
                .containsOnly("{\"aps\":{\"account-id\":\"" + PHONE_ACCOUNT + "\"}}");
        assertThat(apns.receivedFor(TABLET)).extracting(ReceivedPush::payload)
                .containsOnly("{\"aps\":{\"account-id\":\"" + TABLET_ACCOUNT + "\"}}");
    }

    /** Waits until {@code token} has had {@code count} pushes, and checks it has had no more. */
    private void awaitPushes(final String token, final int count) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(apns.receivedFor(token))
                .as("pushes to %s; all pushes: %s", DeviceTokens.mask(token), apns.received())
                .hasSizeGreaterThanOrEqualTo(count));
        assertThat(apns.receivedFor(token)).as("pushes to %s", DeviceTokens.mask(token)).hasSize(count);
    }
}
