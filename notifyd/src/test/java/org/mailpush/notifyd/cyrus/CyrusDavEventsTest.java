package org.mailpush.notifyd.cyrus;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailpush.common.mail.MailboxNames;
import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.event.MailboxType;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.store.PushTarget;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Calendar and contacts events as Debian's Cyrus 3.6.1 httpd sent them (fixtures {@code dav/} and
 * {@code namespace/}), and as Cyrus main's field set has them ({@code main/}, written by hand): parsed alike from
 * datagrams and from the dlist stream; and every malformed {@code ApplePushServiceDAV} refused with its field named,
 * counted as a refused subscription, and never handed on.
 */
class CyrusDavEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CALENDAR = "okol3jr3cz9u8qj8ery3c416";
    private static final String ADDRESS_BOOK = "c65vzku75r2261jd2xbiulwv";
    private static final String TOKEN = "ab".repeat(32);

    private final NotifyDatagramParser datagrams = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private final DlistNotifyParser dlists = new DlistNotifyParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);
    private final CyrusEventParser parser = new CyrusEventParser("pusher");

    @TempDir
    Path dir;

    private NotifySocketServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSubscriptionCarriesItsFieldsAndThePushKeyTheDeviceHolds() throws Exception {
        final DavSubscriptionRequest calendar = subscription(Fixtures.datagram("dav", "21-"));
        assertThat(calendar).isEqualTo(new DavSubscriptionRequest("cyrus", "alice", PushTarget.Kind.CALENDAR,
                "com.apple.calendar.XServer.test-uuid", TOKEN, "alice", CALENDAR, Duration.ofDays(1)));
        assertThat(calendar.pushKey()).isEqualTo("alice/" + CALENDAR);

        // bob subscribed to alice's calendar (shared with him): bob subscribes, the key stays alice's.
        final DavSubscriptionRequest shared = subscription(Fixtures.datagram("dav", "23-"));
        assertThat(shared.subscriber()).isEqualTo("bob");
        assertThat(shared.pushKey()).isEqualTo("alice/" + CALENDAR);
        assertThat(shared.deviceToken()).isEqualTo("cd".repeat(32));

        // virtdomains: the key is the whole user, domain and all.
        final DavSubscriptionRequest virtual = subscription(Fixtures.datagram("namespace", "34-"));
        assertThat(virtual.subscriber()).isEqualTo("alice@example.com");
        assertThat(virtual.pushKey()).isEqualTo("alice@example.com/emlgox4ma0z94orc7shhyhep");
    }

    @Test
    void cyrusTakesAnyTokenButMailpushOnlyAnApnsOne() {
        // dav/22: the address book subscription of token=efef, which Cyrus answered 200.
        assertThatThrownBy(() -> parse(Fixtures.datagram("dav", "22-")))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BadInputKind.BAD_DEVICE_TOKEN);
                    assertThat(e.refusesSubscription()).isTrue();
                    assertThat(e.refusesRegistration()).isFalse();
                    assertThat(e.getMessage()).contains("apsDeviceToken", "64 hex digits");
                });
    }

    @Test
    void mainsFieldSetIsTakenTooAndItsUniqueIdWinsOverTheJmapId() throws Exception {
        final DavSubscriptionRequest subscription = subscription(Fixtures.datagram("main", "01-"));
        assertThat(subscription).isEqualTo(subscription(Fixtures.datagram("dav", "21-")));
        final MailboxEvent change = change(Fixtures.datagram("main", "02-"));
        assertThat(change.collectionId()).as("mailboxUniqueId, not mailboxID P1cq7x3a").isEqualTo(CALENDAR);
        assertThat(change.mailboxType()).isEqualTo(MailboxType.CALENDAR);
    }

    @Test
    void aPutAnOverwriteAndADeleteAreCalendarChangesOfTheirCollection() throws Exception {
        final List<String> seen = new ArrayList<>();
        for (final Path file : Fixtures.datagrams("dav").subList(23, 30)) {
            final MailboxEvent change = change(java.nio.file.Files.readAllBytes(file));
            assertThat(change.mailboxType()).as(file.toString()).isEqualTo(MailboxType.CALENDAR);
            assertThat(change.collectionId()).as(file.toString()).isEqualTo(CALENDAR);
            assertThat(change.owner()).isEqualTo("alice");
            assertThat(change.mailbox()).isEqualTo("#calendars/Default");
            seen.add(change.type().wireName());
        }
        assertThat(seen).containsExactly("MailboxModseq", "MessageNew", "MailboxModseq", "MessageNew",
                "MailboxModseq", "MessageExpunge", "MailboxModseq");

        final MailboxEvent card = change(Fixtures.datagram("dav", "32-"));
        assertThat(card.mailboxType()).isEqualTo(MailboxType.ADDRESSBOOK);
        assertThat(card.collectionId()).isEqualTo(ADDRESS_BOOK);
        assertThat(card.mailbox()).isEqualTo("#addressbooks/Default");
        assertThat(change(Fixtures.datagram("dav", "31-")).type()).isEqualTo(EventType.MAILBOX_MODSEQ);
    }

    @Test
    void provisioningGivesCollectionChangesAndNothingElse() throws Exception {
        // The first DAV login: MailboxModseq of each new collection (no subscription yet, routing finds none),
        // AclChange ignored, the Attachments collection (b) ignored.
        int changes = 0;
        int ignored = 0;
        for (final Path file : Fixtures.datagrams("dav").subList(0, 20)) {
            final CyrusEventParser.Parsed parsed = parse(java.nio.file.Files.readAllBytes(file));
            if (parsed.event().isPresent()) {
                assertThat(parsed.type()).isEqualTo(EventType.MAILBOX_MODSEQ);
                assertThat(((MailboxEvent) parsed.event().get()).mailboxType()).isIn(MailboxType.CALENDAR,
                        MailboxType.ADDRESSBOOK);
                changes++;
            } else {
                ignored++;
            }
        }
        assertThat(changes).as("8 of calendars, 1 of the address book").isEqualTo(9);
        assertThat(ignored).as("9 AclChange, 2 MailboxModseq of Attachments").isEqualTo(11);
    }

    @Test
    void mailModseqStaysIgnoredAndMailIsMail() throws Exception {
        assertThat(parse(Fixtures.datagram("05-MailboxModseq.dgram")).event()).isEmpty();
        assertThat(change(Fixtures.datagram("06-MessageNew.dgram")).mailboxType()).isEqualTo(MailboxType.MAIL);
        final String noType = "{\"event\":\"MessageNew\",\"uri\":\"imap://vm/user/bob;UIDVALIDITY=3/;UID=9\"}";
        assertThat(change(NotifyDatagramSender.eventDatagram("pusher", noType)).mailboxType())
                .as("no vnd.cmu.mbtype (Cyrus before 3.0): mail").isEqualTo(MailboxType.MAIL);
        final String attachment = "{\"event\":\"MessageNew\",\"uri\":\"imap://vm/user/bob;UIDVALIDITY=3/;UID=9\","
                + "\"vnd.cmu.mbtype\":\"b\"}";
        assertThat(change(NotifyDatagramSender.eventDatagram("pusher", attachment)).mailboxType())
                .isEqualTo(MailboxType.OTHER);
        final String numeric = "{\"event\":\"MessageNew\",\"uri\":\"imap://vm/user/bob;UIDVALIDITY=3/;UID=9\","
                + "\"vnd.cmu.mbtype\":5}";
        assertThatThrownBy(() -> parse(NotifyDatagramSender.eventDatagram("pusher", numeric)))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BadInputKind.BAD_VALUE);
                    assertThat(e.getMessage()).contains("vnd.cmu.mbtype");
                });
    }

    @Test
    void withoutAltnamespaceUnixhierarchysepOrDefaultDomainMailStillRoutes() throws Exception {
        // namespace/: altnamespace no, unixhierarchysep no, virtdomains userid; mailpush knows none of it.
        final DeviceRegistration device = (DeviceRegistration) parse(Fixtures.datagram("namespace", "07-"))
                .event().orElseThrow();
        assertThat(device.username()).isEqualTo("alice@example.com");
        assertThat(device.mailboxes()).containsExactly("INBOX", "INBOX.Work");
        for (final String step : List.of("09-", "11-", "13-")) {
            final MailboxEvent change = change(Fixtures.datagram("namespace", step));
            assertThat(change.owner()).as(step).isEqualTo(device.username());
            assertThat(change.mailboxType()).isEqualTo(MailboxType.MAIL);
            assertThat(change.separator()).isEqualTo('.');
            assertThat(MailboxNames.watchesAny(device.mailboxes(), change.clientNames())).as(step).isTrue();
        }
        assertThat(change(Fixtures.datagram("namespace", "09-")).mailbox()).isEqualTo("INBOX");
        assertThat(change(Fixtures.datagram("namespace", "11-")).mailbox()).isEqualTo("Work");
        assertThat(change(Fixtures.datagram("namespace", "11-")).type()).isEqualTo(EventType.MESSAGE_NEW);
        assertThat(change(Fixtures.datagram("namespace", "13-")).type()).isEqualTo(EventType.MESSAGE_APPEND);

        final MailboxEvent calendar = change(Fixtures.datagram("namespace", "36-"));
        assertThat(calendar.owner()).isEqualTo("alice@example.com");
        assertThat(calendar.mailbox()).isEqualTo("#calendars.Default");
        assertThat(calendar.mailboxType()).isEqualTo(MailboxType.CALENDAR);
        assertThat(calendar.collectionId()).isEqualTo("emlgox4ma0z94orc7shhyhep");
    }

    @Test
    void theStreamModeParsesEveryCaptureAsTheDatagramModeDoes() throws Exception {
        int compared = 0;
        for (final String folder : List.of("dav", "namespace", "main")) {
            for (final Path file : Fixtures.datagrams(folder)) {
                final byte[] datagram = java.nio.file.Files.readAllBytes(file);
                final NotifyDatagram fromDatagram = datagrams.parse(datagram);
                final NotifyDatagram fromStream = dlists.parse(dlistOf(fromDatagram.message()));
                assertThat(fromStream).as(file.toString()).isEqualTo(fromDatagram);
                assertThat(outcome(fromStream)).as(file.toString()).isEqualTo(outcome(fromDatagram));
                compared++;
            }
        }
        assertThat(compared).isEqualTo(32 + 36 + 2);
    }

    @Test
    void anExpiryBeyondAWeekIsCutToAWeek() throws Exception {
        for (final long seconds : new long[] {604_801L, 2_592_000L, 31_536_000L, Long.MAX_VALUE}) {
            assertThat(subscription(withField("expiry", seconds)).expiry()).isEqualTo(Duration.ofDays(7));
        }
        final ObjectNode huge = base();
        huge.put("expiry", new java.math.BigInteger("1" + "0".repeat(40)));
        assertThat(subscription(NotifyDatagramSender.eventDatagram("pusher", huge.toString())).expiry())
                .isEqualTo(DavSubscriptionRequest.MAX_EXPIRY);
        assertThat(subscription(withField("expiry", 604_800L)).expiry()).isEqualTo(Duration.ofDays(7));
        assertThat(subscription(withField("expiry", 1L)).expiry()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void upperCaseTokensAreStoredLowerCase() throws Exception {
        assertThat(subscription(withField("apsDeviceToken", "AB".repeat(32))).deviceToken()).isEqualTo(TOKEN);
    }

    static Stream<Arguments> badSubscriptions() {
        return Stream.of(
                bad("no user", n -> n.remove("user"), BadInputKind.MISSING_FIELD, "user"),
                bad("empty user", n -> n.put("user", ""), BadInputKind.MISSING_FIELD, "user"),
                bad("numeric user", n -> n.put("user", 7), BadInputKind.BAD_VALUE, "user"),
                bad("no mbtype", n -> n.remove("vnd.cmu.mbtype"), BadInputKind.MISSING_FIELD, "vnd.cmu.mbtype"),
                bad("mail mbtype", n -> n.put("vnd.cmu.mbtype", "e"), BadInputKind.BAD_VALUE, "vnd.cmu.mbtype"),
                bad("attachments mbtype", n -> n.put("vnd.cmu.mbtype", "b"), BadInputKind.BAD_VALUE,
                        "vnd.cmu.mbtype"),
                bad("upper-case mbtype", n -> n.put("vnd.cmu.mbtype", "C"), BadInputKind.BAD_VALUE,
                        "vnd.cmu.mbtype"),
                bad("no topic", n -> n.remove("apsTopic"), BadInputKind.MISSING_FIELD, "apsTopic"),
                bad("null topic", n -> n.putNull("apsTopic"), BadInputKind.MISSING_FIELD, "apsTopic"),
                bad("list topic", n -> n.putArray("apsTopic").add("x"), BadInputKind.BAD_VALUE, "apsTopic"),
                bad("over-long topic", n -> n.put("apsTopic", "com.apple.calendar.XServer." + "x".repeat(250)),
                        BadInputKind.BAD_VALUE, "apsTopic"),
                bad("mail topic", n -> n.put("apsTopic", "com.apple.mail.XServer.test-uuid"), BadInputKind.BAD_VALUE,
                        "apsTopic"),
                bad("contacts topic on a calendar", n -> n.put("apsTopic", "com.apple.contact.XServer.test-uuid"),
                        BadInputKind.BAD_VALUE, "apsTopic"),
                bad("no token", n -> n.remove("apsDeviceToken"), BadInputKind.MISSING_FIELD, "apsDeviceToken"),
                bad("short token", n -> n.put("apsDeviceToken", "efef"), BadInputKind.BAD_DEVICE_TOKEN,
                        "apsDeviceToken"),
                bad("long token", n -> n.put("apsDeviceToken", "ab".repeat(33)), BadInputKind.BAD_DEVICE_TOKEN,
                        "apsDeviceToken"),
                bad("63 digits", n -> n.put("apsDeviceToken", "a".repeat(63)), BadInputKind.BAD_DEVICE_TOKEN,
                        "apsDeviceToken"),
                bad("not hex", n -> n.put("apsDeviceToken", "zz" + "ab".repeat(31)), BadInputKind.BAD_DEVICE_TOKEN,
                        "apsDeviceToken"),
                bad("no mailboxUser", n -> n.remove("mailboxUser"), BadInputKind.MISSING_FIELD, "mailboxUser"),
                bad("slash in mailboxUser", n -> n.put("mailboxUser", "ali/ce"), BadInputKind.BAD_VALUE,
                        "mailboxUser"),
                bad("line break in mailboxUser", n -> n.put("mailboxUser", "alice\nINFO forged"),
                        BadInputKind.BAD_VALUE, "mailboxUser"),
                bad("no mailboxUniqueId", n -> n.remove("mailboxUniqueId"), BadInputKind.MISSING_FIELD,
                        "mailboxUniqueId"),
                bad("empty mailboxUniqueId", n -> n.put("mailboxUniqueId", ""), BadInputKind.MISSING_FIELD,
                        "mailboxUniqueId"),
                bad("slash in mailboxUniqueId", n -> n.put("mailboxUniqueId", CALENDAR + "/x"),
                        BadInputKind.BAD_VALUE, "mailboxUniqueId"),
                bad("NUL in mailboxUniqueId", n -> n.put("mailboxUniqueId", "okol\u0000x"), BadInputKind.BAD_VALUE,
                        "mailboxUniqueId"),
                bad("over-long mailboxUniqueId", n -> n.put("mailboxUniqueId", "u".repeat(256)),
                        BadInputKind.BAD_VALUE, "mailboxUniqueId"),
                bad("no expiry", n -> n.remove("expiry"), BadInputKind.MISSING_FIELD, "expiry"),
                bad("zero expiry", n -> n.put("expiry", 0), BadInputKind.BAD_VALUE, "expiry"),
                bad("negative expiry", n -> n.put("expiry", -86400), BadInputKind.BAD_VALUE, "expiry"),
                bad("text expiry", n -> n.put("expiry", "86400"), BadInputKind.BAD_VALUE, "expiry"),
                bad("fractional expiry", n -> n.put("expiry", 86400.5), BadInputKind.BAD_VALUE, "expiry"),
                bad("list expiry", n -> n.putArray("expiry").add(1), BadInputKind.BAD_VALUE, "expiry"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSubscriptions")
    void aMalformedSubscriptionIsRefusedNamingTheField(final String name, final byte[] datagram,
                                                       final BadInputKind kind, final String field) {
        final NotifyDatagram fromStream = parseDlist(dlistBytes(datagram));
        final List<ThrowingCallable> modes = List.of(() -> parse(datagram), () -> parser.parse(fromStream, 0));
        for (final ThrowingCallable mode : modes) {
            assertThatThrownBy(mode).as(name).isInstanceOfSatisfying(BadInputException.class, e -> {
                        assertThat(e.kind()).isEqualTo(kind);
                        assertThat(e.refusesSubscription()).isTrue();
                        assertThat(e.getMessage()).contains(field).doesNotContain("\n")
                                .doesNotContain("ab".repeat(32)).doesNotContain("ab".repeat(33));
                    });
        }
    }

    @Test
    void aChangeEventWithAHostileCollectionIdOrMailboxNameIsRefused() throws Exception {
        final String change = "{\"event\":\"MessageNew\",\"mailboxID\":\"%s\",\"uri\":\"imap://localhost/user/"
                + "%s/%%23calendars/Default;UIDVALIDITY=1/;UID=1\",\"user\":\"alice\",\"vnd.cmu.mbtype\":\"c\"}";
        for (final String[] hostile : new String[][] {{"u".repeat(256), "alice", "mailboxID has 256 characters"},
                {"ok\\u0000id", "alice", "mailboxID contains a control character"},
                {"1178pie115u8qv1hhvvk0myj", "ali%00ce", "uri mailbox name contains a control character"},
                {"1178pie115u8qv1hhvvk0myj", "ali%0Ace", "uri mailbox name contains a control character"},
                {"1178pie115u8qv1hhvvk0myj", "a".repeat(1100), "uri names a mailbox of"}}) {
            final byte[] datagram = NotifyDatagramSender.eventDatagram("pusher",
                    String.format(change, hostile[0], hostile[1]));
            assertThatThrownBy(() -> parse(datagram)).as(hostile[2]).isInstanceOfSatisfying(BadInputException.class,
                    e -> assertThat(e.getMessage()).contains(hostile[2]).doesNotContain("\n"));
        }
        // The same event with a plain id parses, as the capture does.
        assertThat(parse(NotifyDatagramSender.eventDatagram("pusher", String.format(change,
                "1178pie115u8qv1hhvvk0myj", "alice"))).event()).isPresent();
    }

    @Test
    void refusedSubscriptionsAreCountedAndNeverHandedOn() throws Exception {
        final IntakeCounters counters = new IntakeCounters();
        final List<IntakeEvent> handedOn = new CopyOnWriteArrayList<>();
        final Path socket = dir.resolve("notify");
        server = NotifySocketServer.builder().path(socket).method("pusher").listener(counters)
                .sink(handedOn::add).bind();
        final List<Arguments> cases = badSubscriptions().toList();
        try (NotifyDatagramSender sender = new NotifyDatagramSender(socket)) {
            for (final Arguments c : cases) {
                sender.send((byte[]) c.get()[1]);
            }
            sender.send(Fixtures.datagram("dav", "22-"));
            sender.send(Fixtures.datagram("dav", "21-"));
        }
        // The good one last: once it is through, every bad one before it was counted.
        await().atMost(Duration.ofSeconds(10)).until(() -> !handedOn.isEmpty());
        assertThat(handedOn).singleElement().isInstanceOf(DavSubscriptionRequest.class);
        long refused = 0;
        long bad = 0;
        for (final BadInputKind kind : BadInputKind.values()) {
            refused += counters.refusedSubscriptions(kind);
            bad += counters.badInput(kind);
            assertThat(counters.refusedRegistrations(kind)).isZero();
        }
        assertThat(refused).isEqualTo(cases.size() + 1).isEqualTo(bad);
        assertThat(counters.refusedSubscriptions(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(5);
        assertThat(counters.received(EventType.APPLE_PUSH_SERVICE_DAV)).isEqualTo(1);
    }

    private static Arguments bad(final String name, final Consumer<ObjectNode> change, final BadInputKind kind,
                                 final String field) {
        final ObjectNode json = base();
        change.accept(json);
        return Arguments.of(name, NotifyDatagramSender.eventDatagram("pusher", json.toString()), kind, field);
    }

    /** The JSON of dav/21, the calendar subscription Cyrus 3.6.1 sent. */
    private static ObjectNode base() {
        try {
            final NotifyDatagram datagram = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES)
                    .parse(Fixtures.datagram("dav", "21-"));
            return (ObjectNode) JSON.readTree(datagram.message());
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] withField(final String field, final Object value) {
        final ObjectNode json = base();
        json.set(field, JSON.valueToTree(value));
        return NotifyDatagramSender.eventDatagram("pusher", json.toString());
    }

    /** A stream-mode notification carrying {@code message}, as Cyrus writes one (protocols.md §2). */
    private static byte[] dlistOf(final String message) {
        final byte[] json = message.getBytes(StandardCharsets.UTF_8);
        final byte[] head = ("NOTIFY %(METHOD pusher CLASS EVENT PRIORITY NIL USER NIL MAILBOX NIL OPTIONS ()"
                + " MESSAGE {" + json.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII);
        final byte[] tail = " FILEPATH NIL)\r\n".getBytes(StandardCharsets.US_ASCII);
        final byte[] frame = Arrays.copyOf(head, head.length + json.length + tail.length);
        System.arraycopy(json, 0, frame, head.length, json.length);
        System.arraycopy(tail, 0, frame, head.length + json.length, tail.length);
        return frame;
    }

    private NotifyDatagram parseDlist(final byte[] frame) {
        try {
            return dlists.parse(frame);
        } catch (final BadInputException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] dlistBytes(final byte[] datagram) {
        try {
            return dlistOf(datagrams.parse(datagram).message());
        } catch (final BadInputException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What parsing made of a notification: its event, or its refusal's kind and reason. */
    private Object outcome(final NotifyDatagram notification) {
        try {
            // Compared whole: every capture has a timestamp, so occurredAt does not depend on the time of parsing.
            return parser.parse(notification, 0);
        } catch (final BadInputException e) {
            return e.kind() + ": " + e.getMessage() + (e.refusesSubscription() ? " (subscription)" : "");
        }
    }

    private CyrusEventParser.Parsed parse(final byte[] datagram) throws BadInputException {
        return parser.parse(datagrams.parse(datagram), 0);
    }

    private DavSubscriptionRequest subscription(final byte[] datagram) throws BadInputException {
        return (DavSubscriptionRequest) parse(datagram).event().orElseThrow();
    }

    private MailboxEvent change(final byte[] datagram) throws BadInputException {
        return (MailboxEvent) parse(datagram).event().orElseThrow();
    }
}
