package org.mailpush.notifyd.route;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EventRouterTest {

    static final String TOKEN_A = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String TOKEN_B = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    static final String TOPIC = "com.apple.mail.XServer.TEST";

    @TempDir
    Path dir;

    private TokenStore tokenStore;
    private RegistrationStore store;
    private final List<PushIntent> pushes = new CopyOnWriteArrayList<>();
    private final IntakeCounters counters = new IntakeCounters();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void open() {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
    }

    @AfterEach
    void closeStore() {
        tokenStore.close();
    }

    /** A router on the store as it is now (tests reopen it), lanes of 10. */
    private EventRouter router(final PushDispatcher dispatcher) {
        return new EventRouter(store, tokenStore.subscriptions(), dispatcher, counters, TOPIC, 10, clock);
    }

    private static DeviceRegistration device(final String token, final String... mailboxes) {
        return new DeviceRegistration("cyrus", "test", 2, "ACC-1", token, "com.apple.mobilemail", Set.of(mailboxes));
    }

    private static MailboxEvent event(final EventType type, final String owner, final String mailbox) {
        return new MailboxEvent("cyrus", type, owner, mailbox, 1, 1, Instant.EPOCH, 0);
    }

    @Test
    void registrationIsStoredWithTheCredentialTopic() {
        final EventRouter router = router(pushes::add);
        router.route(device(TOKEN_A, "INBOX", "Sent"));

        final Registration stored = store.find(new RegistrationKey("ACC-1", TOKEN_A)).orElseThrow();
        assertThat(stored.topic()).isEqualTo(TOPIC);
        assertThat(stored.username()).isEqualTo("test");
        assertThat(stored.mailboxes()).containsExactlyInAnyOrder("INBOX", "Sent");
        assertThat(stored.lastRegistered()).isEqualTo(clock.instant());
        router.close();
    }

    @Test
    void newMailReachesEveryDeviceOfTheOwnerThatWatchesTheMailbox() {
        final EventRouter router = router(pushes::add);
        router.route(device(TOKEN_A, "INBOX", "Sent"));
        router.route(device(TOKEN_B, "INBOX"));

        router.route(event(EventType.MESSAGE_NEW, "test", "INBOX"));
        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactlyInAnyOrder(TOKEN_A, TOKEN_B);

        pushes.clear();
        router.route(event(EventType.MESSAGE_APPEND, "test", "Sent"));
        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactly(TOKEN_A);

        pushes.clear();
        router.route(event(EventType.MESSAGE_NEW, "test", "Trash"));
        router.route(event(EventType.MESSAGE_NEW, "someone-else", "INBOX"));
        assertThat(pushes).isEmpty();
        router.close();
    }

    @Test
    void aFolderIsRoutedWhetherTheDeviceNamesItBesideOrUnderInbox() {
        final EventRouter router = router(pushes::add);
        router.route(device(TOKEN_A, "Sent", "Work Stuff.Q1"));              // altnamespace
        router.route(device(TOKEN_B, "inbox/Sent", "INBOX.Work Stuff.Q1"));   // no altnamespace
        router.route(cyrusEvent("Sent", '/'));
        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactlyInAnyOrder(TOKEN_A, TOKEN_B);
        pushes.clear();
        router.route(cyrusEvent("Work Stuff.Q1", '.'));
        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactlyInAnyOrder(TOKEN_A, TOKEN_B);
        pushes.clear();
        // Under '.', INBOX/Sent is not INBOX's child Sent; and INBOX itself is only INBOX.
        router.route(cyrusEvent("Sent", '.'));
        assertThat(pushes).extracting(p -> p.target().deviceToken()).containsExactly(TOKEN_A);
        pushes.clear();
        router.route(cyrusEvent("INBOX", '/'));
        assertThat(pushes).isEmpty();
        router.close();
    }

    private static MailboxEvent cyrusEvent(final String mailbox, final char separator) {
        return new MailboxEvent("cyrus", EventType.MESSAGE_NEW, "test", mailbox, 1, 1, Instant.EPOCH, 0,
                org.mailpush.notifyd.event.MailboxType.MAIL, "uid-1", separator);
    }

    @Test
    void theWritingThreadOutlivesAListenerThatThrows() {
        tokenStore.close();
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).maxDevicesPerUser(1).build();
        store = tokenStore.registrations();
        final java.util.concurrent.atomic.AtomicInteger thrown = new java.util.concurrent.atomic.AtomicInteger();
        final org.mailpush.notifyd.intake.IntakeListener faulty = new org.mailpush.notifyd.intake.IntakeListener() {
            @Override
            public void eventReceived(final IntakeEvent event) {
            }

            @Override
            public void eventIgnored(final String source, final EventType type) {
            }

            @Override
            public void badInput(final String source, final org.mailpush.notifyd.intake.BadInputException error) {
                thrown.incrementAndGet();
                throw new IllegalStateException("a listener's fault");
            }

            @Override
            public void eventShed(final IntakeEvent event) {
            }
        };
        final EventRouter router = new EventRouter(store, tokenStore.subscriptions(), pushes::add, faulty, TOPIC, 10,
                clock);
        router.accept(device(TOKEN_A, "INBOX"));
        router.accept(device(TOKEN_B, "INBOX")); // the user's second device: refused, and the listener throws
        await().atMost(Duration.ofSeconds(5)).until(() -> thrown.get() == 1);
        router.accept(new DeviceRegistration("cyrus", "other", 2, "ACC-2", TOKEN_B, "com.apple.mobilemail",
                Set.of("INBOX")));
        await().atMost(Duration.ofSeconds(5)).until(() -> store.find(new RegistrationKey("ACC-2", TOKEN_B))
                .isPresent());
        router.close();
    }

    @Test
    void queuedEventsAreRoutedInArrivalOrder() {
        final EventRouter router = router(pushes::add);
        router.accept(device(TOKEN_A, "INBOX"));
        router.accept(event(EventType.MESSAGE_NEW, "test", "INBOX"));
        await().atMost(Duration.ofSeconds(5)).until(() -> pushes.size() == 1);
        assertThat(pushes.get(0).cause().type()).isEqualTo(EventType.MESSAGE_NEW);
        router.close();
    }

    @Test
    void aFullQueueShedsNewEventsAndCountsThem() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        final EventRouter router = new EventRouter(store, tokenStore.subscriptions(), intent -> {
            blocked.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, counters, TOPIC, 3, clock);
        router.route(device(TOKEN_A, "INBOX"));
        final IntakeEvent mail = event(EventType.MESSAGE_NEW, "test", "INBOX");
        router.accept(mail);                       // taken by the routing thread, which then blocks
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 10; i++) {
            router.accept(mail);                   // 3 fit in the queue, 7 are shed
        }
        assertThat(router.queued()).isEqualTo(3);
        assertThat(counters.shed()).isEqualTo(7);
        release.countDown();
        router.close();
    }

    @Test
    void aStoreFailureDoesNotStopRouting() {
        final EventRouter router = router(pushes::add);
        tokenStore.close();                          // every store call now fails
        router.route(device(TOKEN_A, "INBOX"));
        router.route(event(EventType.MESSAGE_NEW, "test", "INBOX"));
        assertThat(pushes).isEmpty();
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        router.close();
    }

    @Test
    void submitTellsWhatRoutingDid() throws Exception {
        final EventRouter router = router(pushes::add);
        assertThat(router.submit(device(TOKEN_A, "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.REGISTERED);
        assertThat(router.submit(event(EventType.MESSAGE_NEW, "test", "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.DISPATCHED);
        assertThat(router.submit(event(EventType.FLAGS_SET, "test", "Sent")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.NOT_WATCHED);
        assertThat(router.submit(event(EventType.MESSAGE_NEW, "nobody", "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.UNKNOWN_USER);
        assertThat(router.submit(event(EventType.MAILBOX_CREATE, "test", "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.IGNORED);
        assertThat(pushes).hasSize(1);
        tokenStore.close();
        // A user with no device is known to have none without asking the (closed) store.
        assertThat(router.submit(event(EventType.MESSAGE_NEW, "carol", "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.UNKNOWN_USER);
        router.close();
        // Without the routing cache every lookup reaches the store, here closed.
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens"))
                .cache(TokenStoreBuilder.CacheMode.OFF, 1, Duration.ofMinutes(1)).build();
        store = tokenStore.registrations();
        final EventRouter uncached = router(pushes::add);
        tokenStore.close();
        assertThat(uncached.submit(event(EventType.MESSAGE_NEW, "test", "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.STORE_FAILED);
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        uncached.close();
    }

    @Test
    void submitToAFullQueueCompletesAtOnceAsShed() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch blocked = new CountDownLatch(1);
        final EventRouter router = new EventRouter(store, tokenStore.subscriptions(), intent -> {
            blocked.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, counters, TOPIC, 1, clock);
        router.route(device(TOKEN_A, "INBOX"));
        router.accept(event(EventType.MESSAGE_NEW, "test", "INBOX"));
        assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(router.offer(event(EventType.MESSAGE_NEW, "test", "INBOX"))).isTrue();   // fills the queue
        final java.util.concurrent.CompletableFuture<RouteOutcome> shed =
                router.submit(event(EventType.MESSAGE_NEW, "test", "INBOX"));
        assertThat(shed).isCompletedWithValue(RouteOutcome.SHED);
        assertThat(router.offer(event(EventType.MESSAGE_NEW, "test", "INBOX"))).isFalse();
        assertThat(counters.shed()).isEqualTo(2);
        release.countDown();
        router.close();
    }

    @Test
    void aNewDeviceBeyondTheUsersLimitIsRefusedAndCounted() throws Exception {
        tokenStore.close();
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).maxDevicesPerUser(1).build();
        store = tokenStore.registrations();
        final EventRouter router = router(pushes::add);
        assertThat(router.submit(device(TOKEN_A, "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.REGISTERED);
        assertThat(router.submit(device(TOKEN_B, "INBOX")).get(5, TimeUnit.SECONDS))
                .isEqualTo(RouteOutcome.REFUSED);
        assertThat(counters.badInput(org.mailpush.notifyd.intake.BadInputKind.TOO_MANY_DEVICES)).isEqualTo(1);
        assertThat(router.submit(device(TOKEN_A, "INBOX", "Sent")).get(5, TimeUnit.SECONDS))
                .as("the registered device still refreshes").isEqualTo(RouteOutcome.REGISTERED);
        router.close();
    }

    @Test
    void aTrackedEventIsDoneOnlyWhenEveryPushForItIsAnswered() throws Exception {
        final List<Runnable> pending = new CopyOnWriteArrayList<>();
        final EventRouter router = new EventRouter(store, tokenStore.subscriptions(), new PushDispatcher() {
            @Override
            public void dispatch(final PushIntent intent) {
                pushes.add(intent);
            }

            @Override
            public void dispatch(final PushIntent intent, final Runnable onPushed) {
                pushes.add(intent);
                pending.add(onPushed);
            }
        }, counters, TOPIC, 10, clock);
        final CountDownLatch registered = new CountDownLatch(2);
        router.acceptTracked(device(TOKEN_A, "INBOX"), registered::countDown);
        router.acceptTracked(new DeviceRegistration("cyrus", "test", 2, "ACC-2", TOKEN_B, "com.apple.mobilemail",
                Set.of("INBOX")), registered::countDown);
        assertThat(registered.await(5, TimeUnit.SECONDS)).isTrue();

        final CountDownLatch mailDone = new CountDownLatch(1);
        router.acceptTracked(event(EventType.MESSAGE_NEW, "test", "INBOX"), mailDone::countDown);
        await().atMost(Duration.ofSeconds(5)).until(() -> pending.size() == 2);
        assertThat(mailDone.getCount()).isEqualTo(1);
        pending.get(0).run();
        assertThat(mailDone.getCount()).as("one of two devices answered").isEqualTo(1);
        pending.get(1).run();
        assertThat(mailDone.await(1, TimeUnit.SECONDS)).isTrue();

        final CountDownLatch nobody = new CountDownLatch(1);
        router.acceptTracked(event(EventType.MESSAGE_NEW, "nobody", "INBOX"), nobody::countDown);
        assertThat(nobody.await(5, TimeUnit.SECONDS)).as("nothing to push is done at once").isTrue();
        router.close();
    }
}
