package org.mailpush.server.cli;

import ch.qos.logback.classic.Level;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.ExampleConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.common.mail.DeviceTokens;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code mailpush demo}: the whole path on one machine with nothing installed but Java. Throwaway certificates, a
 * mock APNs on loopback, the real service on an H2 file and a real notify socket, fed the datagrams Cyrus would send.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Shows the whole push path on this machine and exits 0 when the push reached APNs.",
                "Makes throwaway certificates, starts Pushy's mock APNs server on loopback, runs mailpush on an H2"
                        + " file in a temporary folder, sends it a Cyrus registration and a new-mail event, then a"
                        + " calendar subscription and a change in that calendar, over the notify socket, and prints"
                        + " what APNs received (device tokens masked)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--keep", description = "keep the temporary folder (certificates, config, database) afterwards")
    boolean keep;

    @Option(names = "--verbose", description = "show the service's own log lines")
    boolean verbose;

    private final PrintStream out = System.out;
    /** A calendar's uniqueid as Cyrus 3.6 makes them. */
    private static final String DEMO_CALENDAR = "1178pie115u8qv1hhvvk0myj";

    @Override
    public Integer call() throws Exception {
        if (!verbose) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(Level.WARN);
        }
        final Path dir = Files.createTempDirectory("mailpush-demo-");
        try {
            return demo(dir);
        } finally {
            if (keep) {
                out.println("Kept " + dir);
            } else {
                deleteTree(dir);
            }
        }
    }

    private int demo(final Path dir) throws Exception {
        out.println("mailpush demo: registration or subscription -> token store -> notify socket -> APNs, all on this"
                + " machine");
        out.println();

        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final String topic = pki.client().topic();
        final String calendarTopic = "com.apple.calendar.XServer." + UUID.randomUUID();
        final ExamplePki.ClientCredentialFiles calendar = pki.issueClient("calendar",
                ExamplePki.ClientSpec.mail().withTopic(calendarTopic));
        out.println("1. Throwaway CA, a mail push certificate (topic " + topic + ")");
        out.println("   and a calendar push certificate (topic " + calendarTopic + ")");

        try (LoopbackApnsServer apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                pki.caCertificateFile(), 0)) {
            final byte[] tokenBytes = new byte[32];
            new SecureRandom().nextBytes(tokenBytes);
            final String token = HexFormat.of().formatHex(tokenBytes);
            final String accountId = UUID.randomUUID().toString().toUpperCase();
            new SecureRandom().nextBytes(tokenBytes);
            final String calendarToken = HexFormat.of().formatHex(tokenBytes);
            apns.allow(topic, token);
            apns.allow(calendarTopic, calendarToken);
            out.println("2. Mock APNs (Pushy MockApnsServer) on https://localhost:" + apns.port()
                    + ", checking the topic against the client certificate");

            final Path socket = dir.resolve("notify");
            final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"), socket,
                    null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                    pki.client().p12PasswordFile(), "    - p12: " + calendar.p12File(),
                    "      password-file: " + calendar.p12PasswordFile(),
                    // One push per calendar write, a second after it (the default, 3 s, is CalendarServer's).
                    "  dav-change-delay: 1s");
            try (MailpushService service = MailpushService.start(ConfigLoader.load(config))) {
                out.println("3. mailpush running from " + config);
                out.println("   store " + dir.resolve("data/tokens") + " (H2), Cyrus notify socket " + socket);

                try (NotifyDatagramSender cyrus = new NotifyDatagramSender(socket)) {
                    cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\","
                            + "\"pid\":4242,\"user\":\"alice\",\"apsVersion\":2,\"apsAccountId\":\"" + accountId
                            + "\",\"apsDeviceToken\":\"" + token + "\",\"apsSubtopic\":\"com.apple.mobilemail\","
                            + "\"mailboxes\":[\"INBOX\",\"Sent\"]}"));
                    out.println("4. Sent Cyrus's ApplePushService datagram: alice registers device "
                            + DeviceTokens.mask(token) + " for INBOX and Sent");
                    if (!waitFor(() -> service.registrations().count() == 1, Duration.ofSeconds(10))) {
                        out.println("FAILED: the registration did not reach the token store");
                        return ExitCodes.FAILED;
                    }
                    out.println("   token store: " + service.registrations().count() + " registration");

                    cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\","
                            + "\"timestamp\":\"" + Instant.now() + "\",\"mailboxID\":\"demo\","
                            + "\"uri\":\"imap://demo/user/alice;UIDVALIDITY=1/;UID=1\",\"pid\":4243,"
                            + "\"user\":\"alice\",\"vnd.cmu.mbtype\":\"e\",\"serverFQDN\":\"demo\"}"));
                    out.println("5. Sent Cyrus's MessageNew datagram for alice's INBOX");
                    if (!waitFor(() -> !apns.received().isEmpty(), Duration.ofSeconds(15))) {
                        out.println("FAILED: APNs received nothing within 15 s");
                        return ExitCodes.FAILED;
                    }

                    // What Cyrus's httpd sends when alice's iPhone Calendar subscribes to her Default calendar,
                    // then when an event is PUT into it (dav-push.md §1.5, §1.6).
                    cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushServiceDAV\","
                            + "\"pid\":4244,\"user\":\"alice\",\"vnd.cmu.mbtype\":\"c\",\"apsTopic\":\""
                            + calendarTopic + "\",\"apsDeviceToken\":\"" + calendarToken + "\",\"mailboxUser\":"
                            + "\"alice\",\"mailboxUniqueId\":\"" + DEMO_CALENDAR + "\",\"expiry\":86400}"));
                    out.println("6. Sent Cyrus's ApplePushServiceDAV datagram: alice's device "
                            + DeviceTokens.mask(calendarToken) + " subscribes to her calendar, push key alice/"
                            + DEMO_CALENDAR);
                    if (!waitFor(() -> service.subscriptions().countSubscriptions() == 1, Duration.ofSeconds(10))) {
                        out.println("FAILED: the subscription did not reach the token store");
                        return ExitCodes.FAILED;
                    }
                    for (final String event : List.of("MailboxModseq", "MessageNew")) {
                        cyrus.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"" + event + "\","
                                + "\"timestamp\":\"" + Instant.now() + "\",\"mailboxID\":\"" + DEMO_CALENDAR
                                + "\",\"uri\":\"imap://demo/user/alice/%23calendars/Default;UIDVALIDITY=1/;UID=1\","
                                + "\"pid\":4245,\"user\":\"alice\",\"vnd.cmu.mbtype\":\"c\",\"serverFQDN\":\"demo\"}"));
                    }
                    out.println("7. Sent the MailboxModseq and MessageNew datagrams of an event PUT into that calendar"
                            + " (one push for both, after apns.dav-change-delay)");
                }

                if (!waitFor(() -> apns.received().size() >= 2, Duration.ofSeconds(15))) {
                    out.println("FAILED: APNs received " + apns.received().size() + " push(es) within 15 s, not 2");
                    return ExitCodes.FAILED;
                }
                final List<ReceivedPush> received = apns.received();
                out.println("8. APNs received " + received.size() + " pushes:");
                for (final ReceivedPush push : received) {
                    out.println("   POST /3/device/" + DeviceTokens.mask(push.token()));
                    out.println("   apns-topic: " + push.topic());
                    out.println("   apns-push-type: " + push.pushType()
                            + (push.priority() == null ? " (no apns-priority)" : ", apns-priority: "
                                    + push.priority()));
                    out.println("   apns-expiration: " + push.expiration());
                    out.println("   payload: " + push.payload());
                    out.println("   answer: " + (push.accepted() ? "200 accepted" : "rejected " + push.reason()));
                }
                out.println();
                final boolean ok = received.size() == 2 && received.stream().allMatch(ReceivedPush::accepted)
                        && received.get(0).token().equals(token) && received.get(1).token().equals(calendarToken)
                        && received.get(1).topic().equals(calendarTopic);
                out.println(ok ? "Demo passed: a mail push and a calendar push for alice's devices reached APNs."
                        : "FAILED: expected exactly one accepted mail push and one accepted calendar push");
                return ok ? 0 : ExitCodes.FAILED;
            }
        } catch (final MailpushService.StartupException | ConfigException e) {
            out.println("FAILED: mailpush did not start: " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    private static boolean waitFor(final java.util.function.BooleanSupplier condition, final Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private static void deleteTree(final Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
