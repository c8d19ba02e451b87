package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.notifyd.route.PushIntent;
import org.mailpush.notifyd.route.RouteOutcome;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.ManualTime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The captured Cyrus 3.6.1 traffic through both socket modes into the router and a real H2 token store: what each
 * subscription, PUT, overwrite and DELETE pushes, that a mail device of the same user gets none of it, and that mail
 * routes on a Cyrus whose namespace is nothing like the default, with nothing configured.
 */
class CyrusDavRoutingTest {

    private static final String CALENDAR = "okol3jr3cz9u8qj8ery3c416";
    private static final String MAIL_TOKEN = "ef".repeat(32);

    @TempDir
    Path dir;

    private final ManualTime time = new ManualTime(Instant.parse("2026-12-02T04:14:00Z"));
    private final List<PushIntent> pushes = new CopyOnWriteArrayList<>();
    private final IntakeCounters counters = new IntakeCounters();
    private TokenStore tokenStore;
    private EventRouter router;
    private NotifySocketServer datagrams;
    private NotifyStreamServer stream;

    @BeforeEach
    void open() {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        router = new EventRouter(tokenStore.registrations(), tokenStore.subscriptions(), pushes::add, counters,
                "com.apple.mail.XServer.test", 1000, time.clock());
    }

    @AfterEach
    void close() {
        if (datagrams != null) {
            datagrams.close();
        }
        if (stream != null) {
            stream.stopAccepting();
        }
        router.close();
        if (stream != null) {
            stream.closeQueue();
        }
        tokenStore.close();
    }

    @Test
    void calendarWritesPushTheCalendarsSubscribersAndNoMailDevice() throws Exception {
        router.route(new DeviceRegistration("cyrus", "alice", 2, "ACC-1", MAIL_TOKEN, "com.apple.mobilemail",
                Set.of("INBOX", "#calendars/Default", "#addressbooks/Default")));
        directlyRouted++;
        bindDatagrams();
        // One step at a time, as Cyrus sent them, each answered before the next request (routing takes a batch's
        // owners' subscriptions first, so a subscription sent along with earlier changes could be stored first).
        final List<Path> dav = Fixtures.datagrams("dav");
        sendAndSettle(dav.subList(0, 20));
        assertThat(router.routed(RouteOutcome.NOT_SUBSCRIBED)).as("provisioning: 9 collection modseqs, no"
                + " subscription yet").isEqualTo(9);
        sendAndSettle(dav.subList(20, 23));
        assertThat(router.routed(RouteOutcome.SUBSCRIBED)).isEqualTo(2);
        sendAndSettle(dav.subList(23, 32));
        // The address book's PUT: 2 events, and its subscription (token efef) was refused.
        assertThat(router.routed(RouteOutcome.NOT_SUBSCRIBED)).isEqualTo(11);
        assertThat(router.routed(RouteOutcome.DISPATCHED)).isEqualTo(7);
        assertCalendarPushes();
        assertThat(counters.refusedSubscriptions(BadInputKind.BAD_DEVICE_TOKEN)).isEqualTo(1);
        assertThat(tokenStore.subscriptions().countSubscriptions()).as("alice's and bob's calendar subscriptions;"
                + " the refused one stored nothing").isEqualTo(2);
        assertThat(tokenStore.subscriptions().subscriptionsOf("alice")).singleElement()
                .satisfies(s -> assertThat(s.kind()).isEqualTo(PushTarget.Kind.CALENDAR));
    }

    @Test
    void theStreamModeCarriesTheSameAndIsDoneOnceEveryPushIsHandedOver() throws Exception {
        final Path socket = dir.resolve("notify");
        stream = NotifyStreamServer.builder().path(socket).queue(dir.resolve("queue"), 64L << 20).method("pusher")
                .listener(counters).sink(router::acceptTracked).bind();
        final List<Path> dav = Fixtures.datagrams("dav");
        streamAndSettle(dav.subList(0, 20));
        streamAndSettle(dav.subList(20, 23));
        streamAndSettle(dav.subList(23, 32));
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.pending() == 0);
        assertThat(router.routed(RouteOutcome.DISPATCHED)).isEqualTo(7);
        assertCalendarPushes();
        assertThat(router.routed(RouteOutcome.NOT_SUBSCRIBED)).isEqualTo(11);
        assertThat(router.routed(RouteOutcome.SUBSCRIBED)).isEqualTo(2);
    }

    private void bindDatagrams() throws Exception {
        datagrams = NotifySocketServer.builder().path(dir.resolve("notify")).method("pusher").listener(counters)
                .sink(router).backlog(router).bind();
    }

    /**
     * Sends the datagrams and waits until the socket took each (handed on, ignored or refused) and the router
     * finished every one it was handed.
     */
    private void sendAndSettle(final List<Path> files) throws Exception {
        final long before = taken();
        try (NotifyDatagramSender sender = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (final Path file : files) {
                sender.send(Files.readAllBytes(file));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> taken() == before + files.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> routed() == received() + directlyRouted);
    }

    /** As {@link #sendAndSettle}, in stream mode: one connection per notification, each answered. */
    private void streamAndSettle(final List<Path> files) throws Exception {
        final long before = taken();
        for (final Path file : files) {
            final String json = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES)
                    .parse(Files.readAllBytes(file)).message();
            final String answer = NotifyStreamSender.send(dir.resolve("notify"),
                    NotifyStreamSender.eventNotification("pusher", json));
            // Only the refused subscription (token efef) is answered NO: Cyrus logs it, the device was told 200.
            assertThat(answer).as(file.toString()).isEqualTo(file.getFileName().toString().startsWith("22-")
                    ? "NO %()" : "OK %()");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> taken() == before + files.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> routed() == received() + directlyRouted);
    }

    /** Routed with {@link EventRouter#route}, not through the socket: not in the intake counters. */
    private long directlyRouted;

    private long received() {
        long sum = 0;
        for (final EventType type : EventType.values()) {
            sum += counters.received(type);
        }
        return sum;
    }

    private long taken() {
        long sum = received();
        for (final EventType type : EventType.values()) {
            sum += counters.ignored(type);
        }
        for (final BadInputKind kind : BadInputKind.values()) {
            sum += counters.badInput(kind);
        }
        return sum;
    }

    private long routed() {
        long sum = 0;
        for (final RouteOutcome outcome : RouteOutcome.values()) {
            sum += router.routed(outcome);
        }
        return sum;
    }

    /** PUT (2 events), overwrite (3), DELETE (2): 7 changes of the calendar, each to alice's and bob's device. */
    private void assertCalendarPushes() {
        assertThat(pushes).hasSize(14).allSatisfy(push -> {
            assertThat(push.target()).isInstanceOf(DavSubscription.class);
            assertThat(((DavSubscription) push.target()).pushKey()).isEqualTo("alice/" + CALENDAR);
            assertThat(push.target().topic()).isEqualTo("com.apple.calendar.XServer.test-uuid");
            assertThat(push.cause().collectionId()).isEqualTo(CALENDAR);
        });
        assertThat(pushes).extracting(push -> push.target().deviceToken()).containsOnly("ab".repeat(32),
                "cd".repeat(32)).doesNotContain(MAIL_TOKEN);
        assertThat(pushes).extracting(push -> push.cause().type().wireName()).containsExactly("MailboxModseq",
                "MailboxModseq", "MessageNew", "MessageNew", "MailboxModseq", "MailboxModseq", "MessageNew",
                "MessageNew", "MailboxModseq", "MailboxModseq", "MessageExpunge", "MessageExpunge", "MailboxModseq",
                "MailboxModseq");
    }

    @Test
    void mailAndCalendarRouteOnACyrusWithoutAltnamespaceUnixhierarchysepOrDefaultDomain() throws Exception {
        bindDatagrams();
        final List<Path> namespace = Fixtures.datagrams("namespace");
        sendAndSettle(namespace.subList(0, 7));
        sendAndSettle(namespace.subList(7, 33));
        sendAndSettle(namespace.subList(33, 36));
        // LMTP into INBOX, LMTP into INBOX.Work, APPEND into INBOX.Work; then the calendar PUT's two events.
        assertThat(pushes).hasSize(5);
        assertThat(pushes.subList(0, 3)).allSatisfy(push -> {
            assertThat(push.target()).isInstanceOf(Registration.class);
            assertThat(push.target().owner()).isEqualTo("alice@example.com");
        }).extracting(push -> push.cause().mailbox()).containsExactly("INBOX", "Work", "Work");
        assertThat(pushes.subList(3, 5)).allSatisfy(push -> {
            assertThat(push.target()).isInstanceOf(DavSubscription.class);
            assertThat(((DavSubscription) push.target()).pushKey())
                    .isEqualTo("alice@example.com/emlgox4ma0z94orc7shhyhep");
        });
    }
}
