package org.mailpush.notifyd.route;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.event.MailboxType;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionKey;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.ManualTime;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Calendar and address-book subscriptions stored and matched by collection, on a real H2 token store. */
class DavRoutingTest {

    static final String TOKEN_A = "ab".repeat(32);
    static final String TOKEN_B = "cd".repeat(32);
    static final String MAIL_TOKEN = "ef".repeat(32);
    static final String CALENDAR = "okol3jr3cz9u8qj8ery3c416";
    static final String ADDRESS_BOOK = "c65vzku75r2261jd2xbiulwv";
    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.test-uuid";
    static final String CONTACTS_TOPIC = "com.apple.contact.XServer.test-uuid";

    @TempDir
    Path dir;

    private final ManualTime time = new ManualTime(Instant.parse("2026-12-02T10:00:00Z"));
    private final List<PushIntent> pushes = new CopyOnWriteArrayList<>();
    private final IntakeCounters counters = new IntakeCounters();
    private TokenStore tokenStore;
    private DavSubscriptionStore subscriptions;
    private EventRouter router;

    @BeforeEach
    void open() {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        subscriptions = tokenStore.subscriptions();
        router = new EventRouter(tokenStore.registrations(), subscriptions, pushes::add, counters,
                "com.apple.mail.XServer.test", 100, time.clock());
    }

    @AfterEach
    void close() {
        router.close();
        tokenStore.close();
    }

    static DavSubscriptionRequest subscribe(final String subscriber, final String token, final String collection,
                                            final PushTarget.Kind kind) {
        return new DavSubscriptionRequest("cyrus", subscriber, kind,
                kind == PushTarget.Kind.CALENDAR ? CALENDAR_TOPIC : CONTACTS_TOPIC, token, "alice", collection,
                Duration.ofDays(1));
    }

    static MailboxEvent change(final EventType type, final MailboxType mailboxType, final String collection) {
        return new MailboxEvent("cyrus", type, "alice", mailboxType == MailboxType.ADDRESSBOOK
                ? "#addressbooks/Default" : "#calendars/Default", 1796184873L, 1, Instant.EPOCH, 0, mailboxType,
                collection, '/');
    }

    @Test
    void aSubscriptionIsStoredWithItsKeyAndExpiresExpiryAfterNow() {
        assertThat(router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR)))
                .isEqualTo(RouteOutcome.SUBSCRIBED);
        final DavSubscription stored = subscriptions.findSubscription(new DavSubscriptionKey(TOKEN_A, CALENDAR))
                .orElseThrow();
        assertThat(stored.pushKey()).isEqualTo("alice/" + CALENDAR);
        assertThat(stored.topic()).isEqualTo(CALENDAR_TOPIC);
        assertThat(stored.kind()).isEqualTo(PushTarget.Kind.CALENDAR);
        assertThat(stored.subscriber()).isEqualTo("alice");
        assertThat(stored.lastSubscribed()).isEqualTo(time.now());
        assertThat(stored.expiresAt()).isEqualTo(time.now().plus(Duration.ofDays(1)));
        final Instant first = time.now();

        // Every refresh extends it; the first subscription stays.
        time.advance(Duration.ofHours(20));
        assertThat(router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR)))
                .isEqualTo(RouteOutcome.SUBSCRIBED);
        final DavSubscription refreshed = subscriptions.findSubscription(new DavSubscriptionKey(TOKEN_A, CALENDAR))
                .orElseThrow();
        assertThat(refreshed.expiresAt()).isEqualTo(time.now().plus(Duration.ofDays(1)));
        assertThat(refreshed.firstSubscribed()).isEqualTo(first);
        assertThat(subscriptions.countSubscriptions()).isEqualTo(1);
        assertThat(router.routed(RouteOutcome.SUBSCRIBED)).isEqualTo(2);
    }

    @Test
    void aCalendarChangePushesEverySubscriptionOfThatCalendarAndNoMailDevice() {
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        router.route(subscribe("bob", TOKEN_B, CALENDAR, PushTarget.Kind.CALENDAR));
        router.route(subscribe("alice", TOKEN_A, ADDRESS_BOOK, PushTarget.Kind.CONTACTS));
        router.route(new DeviceRegistration("cyrus", "alice", 2, "ACC-1", MAIL_TOKEN, "com.apple.mobilemail",
                Set.of("INBOX", "#calendars/Default")));

        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR)))
                .isEqualTo(RouteOutcome.DISPATCHED);
        assertThat(pushes).extracting(PushIntent::target).allSatisfy(target -> {
            assertThat(target).isInstanceOf(DavSubscription.class);
            assertThat(((DavSubscription) target).pushKey()).isEqualTo("alice/" + CALENDAR);
            assertThat(target.kind()).isEqualTo(PushTarget.Kind.CALENDAR);
        }).extracting(PushTarget::deviceToken).containsExactlyInAnyOrder(TOKEN_A, TOKEN_B);

        pushes.clear();
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.ADDRESSBOOK, ADDRESS_BOOK)))
                .isEqualTo(RouteOutcome.DISPATCHED);
        assertThat(pushes).singleElement().satisfies(push -> {
            assertThat(push.target().kind()).isEqualTo(PushTarget.Kind.CONTACTS);
            assertThat(push.target().topic()).isEqualTo(CONTACTS_TOPIC);
        });

        // Mail goes to mail devices only, even for a mailbox named like the calendar.
        pushes.clear();
        router.route(new MailboxEvent("cyrus", EventType.MESSAGE_NEW, "alice", "INBOX", 1, 1, Instant.EPOCH, 0,
                MailboxType.MAIL, CALENDAR, '/'));
        assertThat(pushes).singleElement().satisfies(push -> assertThat(push.target()).isInstanceOf(
                Registration.class));
    }

    @Test
    void everyKindOfChangeCountsAndModseqToo() {
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        for (final EventType type : List.of(EventType.MAILBOX_MODSEQ, EventType.MESSAGE_NEW,
                EventType.MESSAGE_EXPUNGE, EventType.FLAGS_SET)) {
            assertThat(router.route(change(type, MailboxType.CALENDAR, CALENDAR))).as(type.wireName())
                    .isEqualTo(RouteOutcome.DISPATCHED);
        }
        assertThat(pushes).hasSize(4);
        // Bookkeeping is not a change; nor, for mail, is a modseq.
        assertThat(router.route(change(EventType.ACL_CHANGE, MailboxType.CALENDAR, CALENDAR)))
                .isEqualTo(RouteOutcome.IGNORED);
        assertThat(router.route(new MailboxEvent("cyrus", EventType.MAILBOX_MODSEQ, "alice", "INBOX", 1, 0,
                Instant.EPOCH, 0, MailboxType.MAIL, "x", '/'))).isEqualTo(RouteOutcome.IGNORED);
        assertThat(pushes).hasSize(4);
    }

    @Test
    void whatCannotBeMatchedIsCountedAndPushesNothing() {
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, null)))
                .isEqualTo(RouteOutcome.NO_COLLECTION);
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, "nobody-subscribes")))
                .isEqualTo(RouteOutcome.NOT_SUBSCRIBED);
        // Attachments (b) and other types are nobody's.
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.OTHER, CALENDAR)))
                .isEqualTo(RouteOutcome.IGNORED);
        assertThat(pushes).isEmpty();
        assertThat(router.routed(RouteOutcome.NO_COLLECTION)).isEqualTo(1);
        assertThat(router.routed(RouteOutcome.NOT_SUBSCRIBED)).isEqualTo(1);
    }

    @Test
    void anExpiredSubscriptionIsNotPushedAndARefreshBringsItBack() {
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        time.advance(Duration.ofDays(1));
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR)))
                .isEqualTo(RouteOutcome.NOT_SUBSCRIBED);
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        assertThat(router.route(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR)))
                .isEqualTo(RouteOutcome.DISPATCHED);
        assertThat(pushes).hasSize(1);
    }

    @Test
    void queuedSubscriptionsAreStoredInOrderAndBeforeTheirOwnersChanges() {
        // The same device refreshes twice, then alice writes: all through the queues, as the socket hands them on.
        router.accept(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        router.accept(new DavSubscriptionRequest("cyrus", "alice", PushTarget.Kind.CALENDAR, "com.apple.calendar."
                + "XServer.second", TOKEN_A, "alice", CALENDAR, Duration.ofDays(2)));
        router.accept(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR));
        await().atMost(Duration.ofSeconds(10)).until(() -> pushes.size() == 1);
        assertThat(pushes.get(0).target().topic()).as("the later refresh is what is stored")
                .isEqualTo("com.apple.calendar.XServer.second");
        assertThat(subscriptions.findSubscription(new DavSubscriptionKey(TOKEN_A, CALENDAR)).orElseThrow()
                .expiresAt()).isEqualTo(time.now().plus(Duration.ofDays(2)));
    }

    @Test
    void aTrackedChangeIsDoneOnlyWhenEverySubscriptionsPushIsAnswered() throws Exception {
        router.close();
        final List<Runnable> pending = new CopyOnWriteArrayList<>();
        router = new EventRouter(tokenStore.registrations(), subscriptions, new PushDispatcher() {
            @Override
            public void dispatch(final PushIntent intent) {
                pushes.add(intent);
            }

            @Override
            public void dispatch(final PushIntent intent, final Runnable onPushed) {
                pushes.add(intent);
                pending.add(onPushed);
            }
        }, counters, "com.apple.mail.XServer.test", 100, time.clock());
        final CountDownLatch subscribed = new CountDownLatch(2);
        router.acceptTracked(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR), subscribed::countDown);
        router.acceptTracked(subscribe("bob", TOKEN_B, CALENDAR, PushTarget.Kind.CALENDAR), subscribed::countDown);
        assertThat(subscribed.await(5, TimeUnit.SECONDS)).isTrue();

        final CountDownLatch done = new CountDownLatch(1);
        router.acceptTracked(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR), done::countDown);
        await().atMost(Duration.ofSeconds(5)).until(() -> pending.size() == 2);
        pending.get(0).run();
        assertThat(done.getCount()).as("one of two subscriptions answered").isEqualTo(1);
        pending.get(1).run();
        assertThat(done.await(1, TimeUnit.SECONDS)).isTrue();

        final CountDownLatch nobody = new CountDownLatch(1);
        router.acceptTracked(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, "nobody"), nobody::countDown);
        assertThat(nobody.await(5, TimeUnit.SECONDS)).as("nothing to push is done at once").isTrue();
        final CountDownLatch noId = new CountDownLatch(1);
        router.acceptTracked(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, null), noId::countDown);
        assertThat(noId.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aStoreFailureFailsTheChangeAndTheSubscriptionAndNothingIsPushed() throws Exception {
        router.close();
        tokenStore.close();
        // Without the routing cache, so that every lookup reaches the store, here closed.
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens"))
                .cache(TokenStoreBuilder.CacheMode.OFF, 1, Duration.ofMinutes(1)).build();
        subscriptions = tokenStore.subscriptions();
        router = new EventRouter(tokenStore.registrations(), subscriptions, pushes::add, counters,
                "com.apple.mail.XServer.test", 100, time.clock());
        router.route(subscribe("alice", TOKEN_A, CALENDAR, PushTarget.Kind.CALENDAR));
        tokenStore.close();
        assertThat(router.submit(change(EventType.MESSAGE_NEW, MailboxType.CALENDAR, CALENDAR))
                .get(5, TimeUnit.SECONDS)).isEqualTo(RouteOutcome.STORE_FAILED);
        assertThat(router.submit(subscribe("alice", TOKEN_B, CALENDAR, PushTarget.Kind.CALENDAR))
                .get(5, TimeUnit.SECONDS)).isEqualTo(RouteOutcome.STORE_FAILED);
        assertThat(pushes).isEmpty();
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        assertThat(tokenStore.subscriptions().findSubscription(new DavSubscriptionKey(TOKEN_B, CALENDAR))).isEmpty();
    }
}
