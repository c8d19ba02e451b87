package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailpush.store.DavSubscriptionStore.SubscribeOutcome;
import org.mailpush.store.RegistrationStore.ImportMode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the DAV subscription store must do on every engine; one subclass per engine supplies the database. */
abstract class DavSubscriptionContract {

    static final String TOKEN_A = "ab".repeat(32);
    static final String TOKEN_B = "cd".repeat(32);
    static final Instant T0 = Instant.parse("2026-12-01T15:39:50.123456Z");
    static final Duration DAY = Duration.ofDays(1);
    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.test-uuid";
    static final String CONTACTS_TOPIC = "com.apple.contact.XServer.test-uuid";

    TokenStore tokenStore;
    DavSubscriptionStore store;

    /** A builder for this test's database: every store it builds shares it. */
    abstract TokenStoreBuilder builder();

    /** Returns once {@code opened} hears other processes' changes (at once on H2, whose trigger needs no wait). */
    void awaitListening(final TokenStore opened) {
    }

    @BeforeEach
    void open() {
        tokenStore = builder().build();
        store = tokenStore.subscriptions();
    }

    @AfterEach
    void closeStore() {
        tokenStore.close();
    }

    /** alice's subscription of {@code token} to the calendar {@code collection}, made at {@code at} for a day. */
    static DavSubscription calendar(final String token, final String collection, final Instant at) {
        return new DavSubscription(token, collection, "alice/" + collection, CALENDAR_TOPIC,
                PushTarget.Kind.CALENDAR, "alice", at, at, at.plus(DAY));
    }

    static DavSubscription contacts(final String subscriber, final String token, final String collection,
                                    final Instant at) {
        return new DavSubscription(token, collection, subscriber + "/" + collection, CONTACTS_TOPIC,
                PushTarget.Kind.CONTACTS, subscriber, at, at, at.plus(DAY));
    }

    @Test
    void subscribeStoresEveryFieldAndARefreshKeepsTheFirstTime() {
        assertThat(store.subscribe(calendar(TOKEN_A, "1178pie115u8qv1hhvvk0myj", T0)))
                .isEqualTo(SubscribeOutcome.ADDED);
        final DavSubscriptionKey key = new DavSubscriptionKey(TOKEN_A, "1178pie115u8qv1hhvvk0myj");
        assertThat(store.findSubscription(key)).contains(calendar(TOKEN_A, "1178pie115u8qv1hhvvk0myj", T0));

        // The device refreshes a day later; the key it holds now names another user's view of the collection.
        final Instant later = T0.plus(DAY);
        assertThat(store.subscribe(new DavSubscription(TOKEN_A.toUpperCase(), "1178pie115u8qv1hhvvk0myj",
                "bob/1178pie115u8qv1hhvvk0myj", CALENDAR_TOPIC + "2", PushTarget.Kind.CALENDAR, "Bob", later, later,
                later.plus(Duration.ofDays(2))))).isEqualTo(SubscribeOutcome.REFRESHED);

        final DavSubscription stored = store.findSubscription(key).orElseThrow();
        assertThat(stored.firstSubscribed()).isEqualTo(T0);
        assertThat(stored.lastSubscribed()).isEqualTo(later);
        assertThat(stored.expiresAt()).isEqualTo(later.plus(Duration.ofDays(2)));
        assertThat(stored.pushKey()).isEqualTo("bob/1178pie115u8qv1hhvvk0myj");
        assertThat(stored.topic()).isEqualTo(CALENDAR_TOPIC + "2");
        assertThat(stored.subscriber()).as("folded as usernames are").isEqualTo("bob");
        assertThat(store.countSubscriptions()).isEqualTo(1);
        assertThat(store.subscriptionsOf("alice")).isEmpty();
        assertThat(store.subscriptionsOf("BOB")).containsExactly(stored);
    }

    @Test
    void subscriptionsAreCountedPerTopicForCheck() {
        assertThat(store.countSubscriptionsByTopic()).isEmpty();
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(calendar(TOKEN_B, "cal-1", T0));
        store.subscribe(contacts("alice", TOKEN_A, "book-1", T0));
        assertThat(store.countSubscriptionsByTopic()).containsExactly(java.util.Map.entry(CALENDAR_TOPIC, 2L),
                java.util.Map.entry(CONTACTS_TOPIC, 1L));
    }

    @Test
    void lookupByCollectionsAnswersEveryCollectionAskedAndLeavesOutTheExpired() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(calendar(TOKEN_B, "cal-1", T0.minus(Duration.ofHours(23))));
        store.subscribe(contacts("alice", TOKEN_A, "book-1", T0));
        final List<String> asked = new ArrayList<>(List.of("cal-1", "book-1", "cal-1"));
        for (int n = 0; n < 1_100; n++) {
            asked.add("none-" + n); // more than one statement's worth
        }

        final Map<String, List<DavSubscription>> now = store.subscriptionsOfCollections(asked, T0);
        assertThat(now).hasSize(1_102);
        assertThat(now.get("cal-1")).extracting(DavSubscription::deviceToken).containsExactly(TOKEN_A, TOKEN_B);
        assertThat(now.get("book-1")).singleElement().satisfies(s -> {
            assertThat(s.kind()).isEqualTo(PushTarget.Kind.CONTACTS);
            assertThat(s.topic()).isEqualTo(CONTACTS_TOPIC);
        });
        assertThat(now.get("none-1099")).isEmpty();

        // An hour on, TOKEN_B's subscription (made 23 h before T0, for a day) has expired: not pushed, not returned.
        final Map<String, List<DavSubscription>> later = store.subscriptionsOfCollections(List.of("cal-1"),
                T0.plus(Duration.ofHours(1)));
        assertThat(later.get("cal-1")).extracting(DavSubscription::deviceToken).containsExactly(TOKEN_A);
        assertThat(store.findSubscription(new DavSubscriptionKey(TOKEN_B, "cal-1"))).as("still stored until swept")
                .isPresent();
    }

    @Test
    void removalByApnsRespectsALaterRefresh() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        final DavSubscriptionKey key = new DavSubscriptionKey(TOKEN_A, "cal-1");
        assertThat(store.removeUnlessSubscribedAfter(key, T0.minusSeconds(1))).isFalse();
        assertThat(store.findSubscription(key)).isPresent();
        assertThat(store.removeUnlessSubscribedAfter(key, T0)).isTrue();
        assertThat(store.findSubscription(key)).isEmpty();
        assertThat(store.removeUnlessSubscribedAfter(key, T0)).isFalse();
    }

    @Test
    void revokesAllOfASubscribersSubscriptionsOrOneDevices() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(calendar(TOKEN_B, "cal-1", T0));
        store.subscribe(calendar(TOKEN_B, "cal-2", T0));
        store.subscribe(contacts("carol", TOKEN_A, "book-9", T0));

        assertThat(store.removeSubscriptions("Alice", TOKEN_B.toUpperCase())).isEqualTo(2);
        assertThat(store.subscriptionsOf("alice")).extracting(DavSubscription::deviceToken).containsExactly(TOKEN_A);
        assertThat(store.removeSubscriptions("alice", null)).isEqualTo(1);
        assertThat(store.subscriptionsOf("alice")).isEmpty();
        assertThat(store.subscriptionsOf("carol")).hasSize(1);
    }

    @Test
    void expiresWhatReachedItsExpiry() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(calendar(TOKEN_B, "cal-1", T0.plusSeconds(1)));
        assertThat(store.expireSubscriptions(T0.plus(DAY).minusNanos(1_000))).isZero();
        assertThat(store.expireSubscriptions(T0.plus(DAY))).as("at its expiry, not after").isEqualTo(1);
        assertThat(store.subscriptionsOfCollections(List.of("cal-1"), T0).get("cal-1"))
                .extracting(DavSubscription::deviceToken).containsExactly(TOKEN_B);
    }

    @Test
    void exportThenReplaceRestoresExactlyTheSameContent() {
        for (int n = 0; n < 25; n++) {
            store.subscribe(calendar(String.format("%064x", n), "cal-" + n % 4, T0.plusSeconds(n)));
        }
        final List<DavSubscription> exported = new ArrayList<>();
        assertThat(store.exportSubscriptions(exported::add)).isEqualTo(25);
        assertThat(exported).extracting(DavSubscription::deviceToken).isSorted();

        store.subscribe(contacts("intruder", TOKEN_A, "book-x", T0));
        store.removeSubscriptions("alice", String.format("%064x", 3));
        assertThat(store.importSubscriptions(exported, ImportMode.REPLACE)).isEqualTo(25);
        final List<DavSubscription> again = new ArrayList<>();
        store.exportSubscriptions(again::add);
        assertThat(again).isEqualTo(exported);
        assertThat(store.subscriptionsOf("intruder")).isEmpty();
    }

    @Test
    void mergeKeepsWhicheverSubscriptionWasMadeLater() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(calendar(TOKEN_A, "cal-2", T0));
        final long written = store.importSubscriptions(List.of(
                calendar(TOKEN_A, "cal-1", T0.minusSeconds(60)),
                calendar(TOKEN_A, "cal-2", T0.plusSeconds(60)),
                calendar(TOKEN_B, "cal-3", T0)), ImportMode.MERGE);
        assertThat(written).isEqualTo(2);
        assertThat(store.findSubscription(new DavSubscriptionKey(TOKEN_A, "cal-1")).orElseThrow().lastSubscribed())
                .isEqualTo(T0);
        final DavSubscription merged = store.findSubscription(new DavSubscriptionKey(TOKEN_A, "cal-2")).orElseThrow();
        assertThat(merged.lastSubscribed()).isEqualTo(T0.plusSeconds(60));
        assertThat(merged.firstSubscribed()).as("kept from the store").isEqualTo(T0);
        assertThat(store.findSubscription(new DavSubscriptionKey(TOKEN_B, "cal-3"))).isPresent();
    }

    /** Both kinds of push target move together: a restore replaces both tables in one transaction, or neither. */
    @Test
    void aRestoreReplacesRegistrationsAndSubscriptionsTogetherOrNotAtAll() {
        final Registration mail = Registration.of("alice", "ACC-1", TOKEN_A, "com.apple.mobilemail", 2,
                Set.of("INBOX"), "com.apple.mail.XServer.test", T0);
        tokenStore.registrations().register(mail);
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        store.subscribe(contacts("alice", TOKEN_A, "book-1", T0));
        final List<PushTarget> exported = new ArrayList<>();
        assertThat(tokenStore.exportAll(exported::add)).isEqualTo(new TransferCount(1, 2));
        assertThat(exported.get(0)).isEqualTo(mail);

        tokenStore.registrations().remove("alice", null);
        store.removeSubscriptions("alice", null);
        store.subscribe(calendar(TOKEN_B, "cal-9", T0));
        // A backup that breaks after its first lines: nothing changes, in either table.
        final Iterable<PushTarget> broken = () -> new Iterator<>() {
            private int read;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public PushTarget next() {
                if (read == exported.size()) {
                    throw new IllegalStateException("line 4: not JSON");
                }
                return exported.get(read++);
            }
        };
        assertThatThrownBy(() -> tokenStore.importAll(broken, ImportMode.REPLACE)).hasMessageContaining("not JSON");
        assertThat(tokenStore.registrations().count()).isZero();
        assertThat(store.subscriptionsOf("alice")).extracting(DavSubscription::collectionId).containsExactly("cal-9");

        assertThat(tokenStore.importAll(exported, ImportMode.REPLACE)).isEqualTo(new TransferCount(1, 2));
        final List<PushTarget> again = new ArrayList<>();
        tokenStore.exportAll(again::add);
        assertThat(again).isEqualTo(exported);

        // A merge of the same again changes nothing; a newer subscription in it replaces the stored one.
        final DavSubscription refreshed = calendar(TOKEN_A, "cal-1", T0.plusSeconds(5));
        assertThat(tokenStore.importAll(List.of(mail, refreshed, calendar(TOKEN_A, "book-1", T0.minusSeconds(5))),
                ImportMode.MERGE)).isEqualTo(new TransferCount(0, 1));
        assertThat(store.findSubscription(refreshed.key()).orElseThrow().lastSubscribed())
                .isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void aSubscriberBeyondTheLimitGetsNoNewSubscriptionButKeepsRefreshing() {
        try (TokenStore limited = builder().maxSubscriptionsPerUser(3).build()) {
            final DavSubscriptionStore subscriptions = limited.subscriptions();
            for (int n = 0; n < 3; n++) {
                subscriptions.subscribe(calendar(TOKEN_A, "cal-" + n, T0));
            }
            assertThatThrownBy(() -> subscriptions.subscribe(calendar(TOKEN_B, "cal-0", T0)))
                    .isInstanceOf(RegistrationLimitException.class)
                    .hasMessage("user alice already has 3 DAV subscriptions, the most allowed"
                            + " (store.max-subscriptions-per-user); remove old ones with 'mailpush tokens revoke'");
            assertThat(subscriptions.subscribe(calendar(TOKEN_A, "cal-1", T0.plusSeconds(1))))
                    .isEqualTo(SubscribeOutcome.REFRESHED);
            assertThat(subscriptions.subscribe(contacts("bob", TOKEN_B, "book-1", T0)))
                    .isEqualTo(SubscribeOutcome.ADDED);
            assertThat(subscriptions.countSubscriptions()).isEqualTo(4);
        }
    }

    @Test
    void concurrentRefreshesOfOneSubscriptionNeitherFailNorDuplicate() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Callable<SubscribeOutcome>> tasks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                final Instant at = T0.plusSeconds(i);
                tasks.add(() -> store.subscribe(calendar(TOKEN_A, "cal-1", at)));
            }
            int added = 0;
            for (final Future<SubscribeOutcome> outcome : pool.invokeAll(tasks)) {
                if (outcome.get() == SubscribeOutcome.ADDED) {
                    added++;
                }
            }
            assertThat(added).isEqualTo(1);
            assertThat(store.countSubscriptions()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The split install's queue carries DAV pushes beside mail pushes, each read back as the key it was queued as. */
    @Test
    void theQueueCarriesDavPushesBesideMailPushes() {
        final PushQueue queue = tokenStore.pushQueue();
        final RegistrationKey mail = new RegistrationKey("ACC-1", TOKEN_A);
        final DavSubscriptionKey dav = new DavSubscriptionKey(TOKEN_A, "1178pie115u8qv1hhvvk0myj");
        queue.enqueue(mail, true, T0);
        queue.enqueue(dav, true, T0.plusSeconds(1));
        final List<QueuedPush> queued = queue.claim("pusher", 10, T0, java.time.Duration.ofSeconds(30));
        assertThat(queued).extracting(QueuedPush::target).containsExactly(mail, dav);
        assertThat(queued).extracting(QueuedPush::newMail).as("new mail means nothing to a DAV push")
                .containsExactly(true, false);
        assertThat(queued.get(1).receivedAt()).isEqualTo(T0.plusSeconds(1));
    }

    /**
     * Two mailpush processes on one database, both with routing caches: a collection one has looked up (and cached
     * as having no subscription) gets one through the other, which the first sees; and a removal likewise.
     */
    @Test
    void anotherStoresChangeReachesTheRoutingCacheOfCollections() {
        assertThat(store).isInstanceOf(CachingDavSubscriptionStore.class);
        final CachingDavSubscriptionStore cache = (CachingDavSubscriptionStore) store;
        awaitListening(tokenStore); // connecting empties the cache: after that, the second lookup is a hit
        assertThat(lookUp("cal-1")).isEmpty();
        assertThat(lookUp("cal-1")).isEmpty();
        assertThat(cache.hitRate()).as("the second lookup came from memory").isPositive();

        try (TokenStore other = builder().build()) {
            other.subscriptions().subscribe(calendar(TOKEN_A, "cal-1", T0));
            await().atMost(Duration.ofSeconds(10)).until(() -> lookUp("cal-1").size() == 1);
            other.subscriptions().removeSubscriptions("alice", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> lookUp("cal-1").isEmpty());
        }
        // Writes through the cached store itself are seen at once.
        store.subscribe(calendar(TOKEN_B, "cal-1", T0));
        assertThat(lookUp("cal-1")).extracting(DavSubscription::deviceToken).containsExactly(TOKEN_B);
        store.removeUnlessSubscribedAfter(new DavSubscriptionKey(TOKEN_B, "cal-1"), T0);
        assertThat(lookUp("cal-1")).isEmpty();
    }

    private List<DavSubscription> lookUp(final String collection) {
        return store.subscriptionsOfCollections(List.of(collection), T0).get(collection);
    }
}
