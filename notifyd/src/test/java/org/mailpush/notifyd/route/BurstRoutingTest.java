package org.mailpush.notifyd.route;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.cyrus.NotifyDatagramSender;
import org.mailpush.notifyd.cyrus.NotifySocketServer;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bursts through the real Cyrus notify socket into the router and a real H2 store, at the default lane sizes: what
 * a site sends when mail floods in, and when its IMAP server restarts and every phone registers again at once.
 * Nothing may be shed, and everything must be routed; the time it takes is the benchmark's business, not this.
 */
class BurstRoutingTest {

    static final int BURST = 20_000;
    static final String TOPIC = "com.apple.mail.XServer.BURST";

    @TempDir
    Path dir;

    private final IntakeCounters counters = new IntakeCounters();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);
    private TokenStore tokenStore;
    private RegistrationStore store;
    private EventRouter router;
    private NotifySocketServer socket;

    @AfterEach
    void close() {
        if (socket != null) {
            socket.close();
        }
        if (router != null) {
            router.close();
        }
        if (tokenStore != null) {
            tokenStore.close();
        }
    }

    static String token(final int i) {
        return "f" + String.format(Locale.ROOT, "%063x", i);
    }

    static byte[] newMail(final String user) {
        return NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"MessageNew\",\"timestamp\":"
                + "\"2026-12-01T12:00:00.000Z\",\"uri\":\"imap://test/user/" + user
                + ";UIDVALIDITY=1/;UID=1\",\"pid\":1,\"user\":\"" + user
                + "\",\"vnd.cmu.mbtype\":\"e\",\"serverFQDN\":\"test\"}");
    }

    static byte[] registration(final String user, final int device) {
        return NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"ApplePushService\",\"pid\":1,\"user\":\""
                + user + "\",\"apsVersion\":2,\"apsAccountId\":\"ACC-" + device + "\",\"apsDeviceToken\":\""
                + token(device) + "\",\"apsSubtopic\":\"com.apple.mobilemail\",\"mailboxes\":[\"INBOX\"]}");
    }

    private void start(final RegistrationStore routingStore, final PushDispatcher dispatcher) throws Exception {
        start(routingStore, dispatcher, RoutingSettings.DEFAULTS.maxQueuedMail());
    }

    private void start(final RegistrationStore routingStore, final PushDispatcher dispatcher, final int mailCapacity)
            throws Exception {
        router = new EventRouter(routingStore, tokenStore.subscriptions(), dispatcher, counters, TOPIC, mailCapacity,
                RoutingSettings.DEFAULTS.maxQueuedRegistrations(), clock);
        socket = NotifySocketServer.builder().path(dir.resolve("notify")).method("pusher")
                .mode(PosixFilePermissions.fromString("rw-rw----")).listener(counters).sink(router).backlog(router)
                .bind();
    }

    /**
     * Ten times more mail than the lane holds while routing is held up: the socket is not read while the lane is
     * nearly full, so the burst waits in the kernel's queue and in the sender (as Cyrus's {@code sendto} waits)
     * instead of being shed, and is all routed once routing goes on.
     */
    @Test
    void aBurstLargerThanTheLaneWaitsInTheSenderInsteadOfBeingShed() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        final List<Registration> devices = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            devices.add(Registration.of("u" + i, "ACC-" + i, token(i), "com.apple.mobilemail", 2, Set.of("INBOX"),
                    TOPIC, clock.instant()));
        }
        store.registerAll(devices);
        final int lane = 200;
        final int burst = 2_000;
        final CountDownLatch routingHeldUp = new CountDownLatch(1);
        final LongAdder pushes = new LongAdder();
        start(store, intent -> {
            hold(routingHeldUp);
            pushes.increment();
        }, lane);
        final Thread cyrusThread = new Thread(() -> {
            try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
                for (int i = 0; i < burst; i++) {
                    cyrus.send(newMail("u" + i % 100));
                }
            } catch (final java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "cyrus");
        cyrusThread.start();
        try {
            // The lane fills up to its headroom, and stays there: the door stopped reading.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                    .until(() -> router.nearlyFull());
            assertThat(router.routed(RouteOutcome.SHED)).isZero();
        } finally {
            routingHeldUp.countDown();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> router.routed(RouteOutcome.DISPATCHED) == burst);
        cyrusThread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(pushes.sum()).isEqualTo(burst);
        assertThat(router.routed(RouteOutcome.SHED)).isZero();
        assertThat(counters.shed()).isZero();
    }

    @Test
    void twentyThousandNewMailsAtOnceAreAllRoutedAndNoneShed() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        final List<Registration> devices = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            devices.add(Registration.of("u" + i, "ACC-" + i, token(i), "com.apple.mobilemail", 2, Set.of("INBOX"),
                    TOPIC, clock.instant()));
        }
        store.registerAll(devices);
        final LongAdder pushes = new LongAdder();
        start(store, intent -> pushes.increment());
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (int i = 0; i < BURST; i++) {
                // Half for the 1,000 users with a device, half for 10,000 users without one.
                cyrus.send(newMail(i % 2 == 0 ? "u" + (i / 2 % 1_000) : "nobody" + (i % 10_000)));
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> router.routed(RouteOutcome.DISPATCHED)
                + router.routed(RouteOutcome.UNKNOWN_USER) == BURST);
        assertThat(router.routed(RouteOutcome.DISPATCHED)).isEqualTo(BURST / 2);
        assertThat(router.routed(RouteOutcome.UNKNOWN_USER)).isEqualTo(BURST / 2);
        assertThat(pushes.sum()).isEqualTo(BURST / 2);
        assertThat(counters.shed()).isZero();
        assertThat(router.routed(RouteOutcome.SHED)).isZero();
    }

    @Test
    void twentyThousandRegistrationsAtOnceAreAllStoredAndNoneShed() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        start(store, intent -> {
        });
        try (NotifyDatagramSender cyrus = new NotifyDatagramSender(dir.resolve("notify"))) {
            for (int i = 0; i < BURST; i++) {
                cyrus.send(registration("phone" + i, i));
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> router.routed(RouteOutcome.REGISTERED) == BURST);
        assertThat(store.count()).isEqualTo(BURST);
        assertThat(store.registrationsOf("phone19999")).extracting(Registration::deviceToken)
                .containsExactly(token(19_999));
        assertThat(counters.shed()).isZero();
    }

    /**
     * A herd of registrations fills its lane while the writing thread is held in a group commit; new mail that comes
     * then is neither shed nor made to wait for the herd, nor for the commit in progress: it is routed at once.
     */
    @Test
    void newMailBehindAFullRegistrationBacklogIsRoutedFirst() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        store.register(Registration.of("reader", "ACC-R", token(999_999), "com.apple.mobilemail", 2,
                Set.of("INBOX"), TOPIC, clock.instant()));
        final FirstCommitHeld held = new FirstCommitHeld();
        final RegistrationStore gated = held.around(store);
        final List<String> order = new CopyOnWriteArrayList<>();
        router = new EventRouter(gated, tokenStore.subscriptions(),
                intent -> order.add("push after " + held.commits.get() + " commit(s), "
                + store.count() + " stored"), counters, TOPIC, 10, 1_000, clock);
        router.accept(device("phone0", 0));
        assertThat(held.inCommit.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 1_000; i++) {
            assertThat(router.offer(device("phone" + i, i))).isTrue();
        }
        assertThat(router.offer(device("one-too-many", 1_001))).as("the registration lane is full").isFalse();
        assertThat(router.offer(mail("reader"))).as("mail has a lane of its own").isTrue();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !order.isEmpty());
            assertThat(order).as("routed while the first commit is still held, before any of the herd")
                    .containsExactly("push after 1 commit(s), 1 stored");
        } finally {
            held.release.countDown();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> router.routed(RouteOutcome.REGISTERED) == 1_001);
        assertThat(counters.shed()).isEqualTo(1);
    }

    /**
     * Mail for a user whose registration the writing thread is committing waits for that commit (and only that
     * one), so the device that registered just before is pushed.
     */
    @Test
    void mailForAUserWhoseRegistrationIsBeingCommittedWaitsForTheCommit() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        final List<PushIntent> pushes = new CopyOnWriteArrayList<>();
        final List<Boolean> releasedAtPush = new CopyOnWriteArrayList<>();
        final FirstCommitHeld held = new FirstCommitHeld();
        router = new EventRouter(held.around(store), tokenStore.subscriptions(), intent -> {
            releasedAtPush.add(held.release.getCount() == 0);
            pushes.add(intent);
        }, counters, TOPIC, 10, 1_000, clock);
        router.accept(device("first", 0));
        assertThat(held.inCommit.await(10, TimeUnit.SECONDS)).isTrue();
        router.accept(mail("first"));
        // The routing thread took it and waits for the commit, rather than route "first" without its device.
        await().atMost(Duration.ofSeconds(30)).until(() -> router.mailQueued() == 0);
        assertThat(pushes).isEmpty();
        held.release.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> !pushes.isEmpty());
        assertThat(pushes).singleElement().satisfies(push -> assertThat(push.target().deviceToken())
                .isEqualTo(token(0)));
        assertThat(releasedAtPush).containsExactly(true);
    }

    /** A user's registration still waiting is stored before that user's mail is routed: the new device hears. */
    @Test
    void mailForAUserWhoseRegistrationWaitsReachesTheNewDevice() throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        final List<PushIntent> pushes = new CopyOnWriteArrayList<>();
        final List<Long> storedAtPush = new CopyOnWriteArrayList<>();
        final FirstCommitHeld held = new FirstCommitHeld();
        router = new EventRouter(held.around(store), tokenStore.subscriptions(), intent -> {
            storedAtPush.add(store.count());
            pushes.add(intent);
        }, counters, TOPIC, 10, 1_000, clock);
        router.accept(device("first", 0));
        assertThat(held.inCommit.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 500; i++) {
            router.accept(device("herd" + i, i));
        }
        router.accept(device("late", 501));   // behind 500 others in its lane
        router.accept(mail("late"));          // right after its registration
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !pushes.isEmpty());
        } finally {
            held.release.countDown();
        }
        assertThat(pushes).singleElement().satisfies(push -> assertThat(push.target().deviceToken())
                .isEqualTo(token(501)));
        assertThat(storedAtPush).as("when the mail was routed: the late registration (the first one's commit is"
                + " still held), not the herd").containsExactly(1L);
    }

    private static DeviceRegistration device(final String user, final int device) {
        return new DeviceRegistration("cyrus", user, 2, "ACC-" + device, token(device), "com.apple.mobilemail",
                Set.of("INBOX"));
    }

    private static MailboxEvent mail(final String owner) {
        return new MailboxEvent("cyrus", EventType.MESSAGE_NEW, owner, "INBOX", 1, 1, Instant.EPOCH, 0);
    }

    private static void hold(final CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Holds the writing thread at the start of the first group commit until released; counts the commits. */
    private static final class FirstCommitHeld {
        final CountDownLatch inCommit = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger commits = new AtomicInteger();

        RegistrationStore around(final RegistrationStore real) {
            return gatedRegisterAll(real, () -> {
                if (commits.incrementAndGet() == 1) {
                    inCommit.countDown();
                    hold(release);
                }
            });
        }
    }

    /** The real store, with {@code beforeCommit} run at the start of each group commit (to hold the writing thread). */
    private static RegistrationStore gatedRegisterAll(final RegistrationStore real, final Runnable beforeCommit) {
        return (RegistrationStore) Proxy.newProxyInstance(RegistrationStore.class.getClassLoader(),
                new Class<?>[]{RegistrationStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("registerAll")) {
                        beforeCommit.run();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (final InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
