package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.RejectionReason;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.ScriptedApns.Answer;
import org.mailpush.pusher.credentials.ApnsCredential;
import org.mailpush.pusher.credentials.CredentialLoader;
import org.mailpush.pusher.mock.ReceivedPush;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Calendar and contacts pushes through the real pusher to the mock APNs over TLS, on a manual clock: CalendarServer's
 * payload and background headers with priority 5 on the subscription's own topic and credential, coalesced over the
 * DAV delay; a subscription whose topic has no credential ends at once, counted, with no request.
 */
class DavPushTest extends MockApnsTestBase {

    static final String CALENDAR_TOPIC = "com.apple.calendar.XServer.934668ca-125e-4246-afee-8cf2df37aab8";
    static final String CONTACTS_TOPIC = "com.apple.contact.XServer.a5243d3e-0000-4000-8000-000000000000";
    private static final char[] PASSWORD = ExamplePki.PASSWORD.toCharArray();
    private static final Duration DAV_DELAY = Duration.ofSeconds(3);
    private static final Duration JUST_BEFORE = Duration.ofNanos(1);

    static ExamplePki.ClientCredentialFiles calendarCredential;
    static ExamplePki.ClientCredentialFiles contactsCredential;

    @BeforeAll
    static void issueDavCredentials() {
        calendarCredential = pki.issueClient("calendar", ExamplePki.ClientSpec.mail().withTopic(CALENDAR_TOPIC));
        contactsCredential = pki.issueClient("contacts", ExamplePki.ClientSpec.mail().withTopic(CONTACTS_TOPIC));
    }

    private static ApnsCredential load(final ExamplePki.ClientCredentialFiles files) {
        try {
            return CredentialLoader.loadPkcs12(files.p12File(), PASSWORD);
        } catch (final Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String serial(final ExamplePki.ClientCredentialFiles files) {
        return files.certificate().getSerialNumber().toString(16);
    }

    /** On {@link #time}: the mail credential (first), then the calendar and the contacts credentials. */
    private ApnsPusher davPusher(final Consumer<ApnsPusherBuilder> customize) throws Exception {
        return pusher(b -> {
            onManualTime(b).credential(load(calendarCredential)).credential(load(contactsCredential));
            customize.accept(b);
        });
    }

    /** Device {@code n}'s subscription to collection {@code collection} of alice, subscribed at {@code at}. */
    private static DavSubscription subscription(final int n, final PushTarget.Kind kind, final String collection,
                                                final Instant at) {
        return new DavSubscription(token(n), collection, "alice/" + collection,
                kind == PushTarget.Kind.CALENDAR ? CALENDAR_TOPIC : CONTACTS_TOPIC, kind, "alice", at, at,
                at.plus(Duration.ofDays(1)));
    }

    private DavSubscription calendar(final int n) {
        return subscription(n, PushTarget.Kind.CALENDAR, "1178pie115u8qv1hhvvk0myj", time.now());
    }

    private DavSubscription contacts(final int n) {
        return subscription(n, PushTarget.Kind.CONTACTS, "w1tv2vnajwmtu2dr15is0pe8", time.now());
    }

    private String davPayload(final DavSubscription target, final Instant changed, final Instant submitted) {
        return "{\"key\":\"" + target.pushKey() + "\",\"dataChangedTimestamp\":" + changed.getEpochSecond()
                + ",\"pushRequestSubmittedTimestamp\":" + submitted.getEpochSecond() + "}";
    }

    private ReceivedPush onlyPushTo(final String token) {
        final List<ReceivedPush> pushes = apns.receivedFor(token);
        assertThat(pushes).hasSize(1);
        return pushes.get(0);
    }

    @Test
    void eachKindGoesOutWithItsPayloadTopicCredentialAndPriorityAsABackgroundPushThatExpiresInADay()
            throws Exception {
        final ApnsPusher pusher = davPusher(b -> b.davChangeDelay(DAV_DELAY));
        final Registration mail = register(1);
        final DavSubscription calendar = calendar(2);
        final DavSubscription contacts = contacts(3);
        final Instant start = time.now();

        pusher.submit(mail, PushKind.NEW_MAIL);
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, Duration.ofSeconds(1));
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        pusher.submit(contacts, PushKind.COLLECTION_CHANGE);
        advance(pusher, Duration.ofMillis(1500));
        final Instant lastCalendarChange = time.now();
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, DAV_DELAY);
        assertThat(script.requests()).as("mail at once; one push per subscription").isEqualTo(3);

        final ReceivedPush mailPush = onlyPushTo(mail.deviceToken());
        assertThat(mailPush.topic()).isEqualTo(pki.client().topic());
        assertThat(mailPush.pushType()).isEqualTo("background");
        assertThat(mailPush.priority()).isEqualTo("10");
        assertThat(mailPush.payload()).isEqualTo("{\"aps\":{\"account-id\":\"ACC-1\"}}");
        assertThat(mailPush.expiration()).isEqualTo(start.plus(Duration.ofHours(24)));

        final ReceivedPush calendarPush = onlyPushTo(calendar.deviceToken());
        final Instant calendarSent = start.plus(DAV_DELAY);
        assertThat(calendarPush.topic()).isEqualTo(CALENDAR_TOPIC);
        assertThat(calendarPush.pushType()).isEqualTo("background");
        assertThat(calendarPush.priority()).isEqualTo("5");
        assertThat(calendarPush.payload()).as("CalendarServer's three fields, the latest change it covers")
                .isEqualTo(davPayload(calendar, lastCalendarChange, calendarSent));
        assertThat(calendarPush.expiration()).isEqualTo(calendarSent.plus(Duration.ofHours(24)));

        final ReceivedPush contactsPush = onlyPushTo(contacts.deviceToken());
        final Instant contactsSent = start.plusSeconds(1).plus(DAV_DELAY);
        assertThat(contactsPush.topic()).isEqualTo(CONTACTS_TOPIC);
        assertThat(contactsPush.priority()).isEqualTo("5");
        assertThat(contactsPush.pushType()).isEqualTo("background");
        assertThat(contactsPush.payload()).isEqualTo(davPayload(contacts, start.plusSeconds(1), contactsSent));
        assertThat(contactsPush.expiration()).isEqualTo(contactsSent.plus(Duration.ofHours(24)));

        // Each through the credential of its own topic.
        assertThat(script.seen).extracting(ScriptedApns.Seen::clientCertificateSerial)
                .containsExactly(serial(pki.client()), serial(calendarCredential), serial(contactsCredential));
        assertThat(results).extracting(PushResult::kind).containsExactly(PushTarget.Kind.MAIL,
                PushTarget.Kind.CALENDAR, PushTarget.Kind.CONTACTS);
        assertThat(results).allSatisfy(result -> assertThat(result.accepted()).isTrue());
        assertThat(results.get(1).target()).isEqualTo(calendar);
        final PusherCounters counters = pusher.counters();
        assertThat(counters.submitted(PushTarget.Kind.CALENDAR)).isEqualTo(3);
        assertThat(counters.accepted(PushTarget.Kind.CALENDAR)).isEqualTo(1);
        assertThat(counters.submitted(PushTarget.Kind.CONTACTS)).isEqualTo(1);
        assertThat(counters.accepted(PushTarget.Kind.CONTACTS)).isEqualTo(1);
        assertThat(counters.submitted(PushTarget.Kind.MAIL)).isEqualTo(1);
        assertThat(counters.accepted(PushTarget.Kind.MAIL)).isEqualTo(1);
        assertThat(counters.coalesced()).isEqualTo(2);
        assertThat(counters.accepted()).isEqualTo(3);
    }

    @Test
    void threeChangesWithinTheDelayAreOnePushAndAChangeAfterItIsOneMore() throws Exception {
        final ApnsPusher pusher = davPusher(b -> b.davChangeDelay(DAV_DELAY).newMailWindow(Duration.ofSeconds(1)));
        final DavSubscription calendar = calendar(1);

        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, Duration.ofSeconds(1));
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, Duration.ofSeconds(1));
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, Duration.ofSeconds(1).minus(JUST_BEFORE));
        assertThat(script.requests()).as("nothing before the delay after the first change ends").isZero();
        advance(pusher, JUST_BEFORE);
        assertThat(script.requests()).as("one push for the three changes, 3 s after the first").isEqualTo(1);

        advance(pusher, Duration.ofSeconds(1));
        final Instant later = time.now();
        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        advance(pusher, DAV_DELAY.minus(JUST_BEFORE));
        assertThat(script.requests()).isEqualTo(1);
        advance(pusher, JUST_BEFORE);
        assertThat(script.requests()).as("the change after it: one more, after its own delay").isEqualTo(2);
        assertThat(apns.received().get(1).payload()).isEqualTo(davPayload(calendar, later, later.plus(DAV_DELAY)));
        advance(pusher, Duration.ofMinutes(1));
        assertThat(script.requests()).isEqualTo(2);
        assertThat(pusher.counters().submitted()).isEqualTo(4);
        assertThat(pusher.counters().coalesced()).isEqualTo(2);
        assertThat(pusher.pending()).isZero();
        assertThat(script.seen.get(1).nanos() - script.seen.get(0).nanos()).isEqualTo(Duration.ofSeconds(4).toNanos());
    }

    @Test
    void aChangeWhileThePushIsInFlightGivesOneFollowUpAfterTheDelayCarryingItsTime() throws Exception {
        final CountDownLatch answer = new CountDownLatch(1);
        script.script((n, token) -> n == 1 ? Answer.stallUntil(answer) : Answer.ACCEPT);
        final ApnsPusher pusher = davPusher(b -> b.davChangeDelay(DAV_DELAY).newMailWindow(Duration.ofSeconds(1)));
        final DavSubscription calendar = calendar(1);

        pusher.submit(calendar, PushKind.COLLECTION_CHANGE);
        time.advance(DAV_DELAY);
        await().atMost(Duration.ofSeconds(10)).until(() -> script.requests() == 1);
        time.advance(Duration.ofMillis(500));
        final Instant duringFlight = time.now();
        assertThat(pusher.submit(calendar, PushKind.COLLECTION_CHANGE)).isEqualTo(SubmitOutcome.QUEUED);
        assertThat(pusher.submit(calendar, PushKind.COLLECTION_CHANGE)).isEqualTo(SubmitOutcome.COALESCED);
        answer.countDown();
        settle(pusher);
        final Instant answered = time.now();
        advance(pusher, DAV_DELAY.minus(JUST_BEFORE));
        assertThat(script.requests()).as("the follow-up waits the delay after the answer").isEqualTo(1);
        advance(pusher, JUST_BEFORE);
        assertThat(script.requests()).isEqualTo(2);
        assertThat(apns.received().get(1).payload())
                .isEqualTo(davPayload(calendar, duringFlight, answered.plus(DAV_DELAY)));
        advance(pusher, Duration.ofMinutes(1));
        assertThat(script.requests()).isEqualTo(2);
    }

    @Test
    void aSubscriptionWhoseTopicHasNoCredentialEndsAtOnceCountedAndIsNeverSentOrRetried() throws Exception {
        // Only the mail credential: the calendar and contacts topics have none.
        final ApnsPusher pusher = pusher(this::onManualTime);
        final DavSubscription calendar = calendar(1);
        final AtomicInteger covered = new AtomicInteger();

        assertThat(pusher.submit(calendar, PushKind.COLLECTION_CHANGE, time.nanoTime(), covered::incrementAndGet))
                .isEqualTo(SubmitOutcome.NO_CREDENTIAL);
        assertThat(covered).as("the event is done at once").hasValue(1);
        assertThat(results).singleElement().satisfies(result -> {
            assertThat(result.verdict()).isEqualTo(ApnsVerdict.NO_CREDENTIAL);
            assertThat(result.kind()).isEqualTo(PushTarget.Kind.CALENDAR);
            assertThat(result.target()).isEqualTo(calendar);
            assertThat(result.status()).isZero();
            assertThat(result.attempts()).isZero();
            assertThat(result.reason()).isEqualTo("NoCredential: no credential for topic " + CALENDAR_TOPIC);
            assertThat(result.sinceEvent()).as("no sample of push latency").isNull();
            assertThat(result.describe()).contains("not sent", CALENDAR_TOPIC);
        });
        final PushResult sent = pusher.send(contacts(2)).get(10, TimeUnit.SECONDS);
        assertThat(sent.verdict()).isEqualTo(ApnsVerdict.NO_CREDENTIAL);
        assertThat(sent.reason()).endsWith(CONTACTS_TOPIC);

        advance(pusher, Duration.ofHours(1));
        assertThat(script.requests()).as("never sent on another topic, never retried").isZero();
        assertThat(pusher.pending()).isZero();
        final PusherCounters counters = pusher.counters();
        assertThat(counters.noCredential(PushTarget.Kind.CALENDAR)).isEqualTo(1);
        assertThat(counters.noCredential(PushTarget.Kind.CONTACTS)).isEqualTo(1);
        assertThat(counters.noCredential(PushTarget.Kind.MAIL)).isZero();
        assertThat(counters.noCredential()).isEqualTo(2);
        assertThat(counters.submitted(PushTarget.Kind.CALENDAR)).isEqualTo(1);
        assertThat(counters.retried()).isZero();
        assertThat(counters.abandoned()).isZero();
        assertThat(counters.requests()).isZero();

        // Mail still falls back to the first credential for a topic none has.
        final Registration mail = Registration.of("u", "ACC-9", token(9), "com.apple.mobilemail", 2,
                java.util.Set.of("INBOX"), CALENDAR_TOPIC, time.now());
        assertThat(pusher.send(mail).get(10, TimeUnit.SECONDS).accepted()).isTrue();
    }

    @Test
    void topicsWithoutCredentialAreWarnedAboutOnceEachAndAtMostSixtyFourOfThemAreRemembered() throws Exception {
        final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        final ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(AnswerHandler.class);
        logged.start();
        log.addAppender(logged);
        try {
            final ApnsPusher pusher = pusher(this::onManualTime);
            for (int round = 0; round < 2; round++) {
                for (int n = 0; n < AnswerHandler.MAX_WARNED_TOPICS + 6; n++) {
                    final DavSubscription forged = new DavSubscription(token(n), "cal-" + n, "u/cal-" + n,
                            "com.apple.calendar.XServer.forged-" + n, PushTarget.Kind.CALENDAR, "u", time.now(),
                            time.now(), time.now().plus(Duration.ofDays(1)));
                    assertThat(pusher.submit(forged, PushKind.COLLECTION_CHANGE, time.nanoTime()))
                            .isEqualTo(SubmitOutcome.NO_CREDENTIAL);
                }
            }
            pusher.awaitAnswersHandled();
            assertThat(logged.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .filter(e -> e.getFormattedMessage().startsWith("No APNs credential has topic")).count())
                    .as("one warning per topic, for the first 64 topics only")
                    .isEqualTo(AnswerHandler.MAX_WARNED_TOPICS);
            assertThat(pusher.counters().noCredential(PushTarget.Kind.CALENDAR))
                    .as("every one counted").isEqualTo(2L * (AnswerHandler.MAX_WARNED_TOPICS + 6));
        } finally {
            log.detachAppender(logged);
        }
    }

    @Test
    void aCredentialWhoseTopicChangedOnReloadNoLongerServesTheSubscriptionsWaitingForIt() throws Exception {
        final Path p12 = dataDir.resolve("calendar.p12");
        Files.copy(calendarCredential.p12File(), p12);
        final ApnsPusher pusher = pusher(b -> onManualTime(b).davChangeDelay(DAV_DELAY)
                .reloadInterval(Duration.ofSeconds(1))
                .credential(new CredentialSource() {
                    @Override
                    public List<Path> files() {
                        return List.of(p12);
                    }

                    @Override
                    public ApnsCredential load() throws Exception {
                        return CredentialLoader.loadPkcs12(p12, PASSWORD);
                    }
                }));
        final DavSubscription calendar = calendar(1);
        assertThat(pusher.submit(calendar, PushKind.COLLECTION_CHANGE)).isEqualTo(SubmitOutcome.QUEUED);

        // The calendar certificate's file now holds the contacts one: the waiting push has no credential left.
        final Path replacement = p12.resolveSibling("calendar.p12.new");
        Files.copy(contactsCredential.p12File(), replacement);
        Files.move(replacement, p12, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        advance(pusher, DAV_DELAY);
        assertThat(pusher.credentials()).extracting(CredentialStatus::topic).contains(CONTACTS_TOPIC)
                .doesNotContain(CALENDAR_TOPIC);
        assertThat(script.requests()).as("not sent with the contacts certificate").isZero();
        assertThat(results).singleElement().extracting(PushResult::verdict).isEqualTo(ApnsVerdict.NO_CREDENTIAL);
        assertThat(pusher.counters().noCredential(PushTarget.Kind.CALENDAR)).isEqualTo(1);
        advance(pusher, Duration.ofHours(1));
        assertThat(script.requests()).isZero();
        assertThat(pusher.counters().retried()).isZero();
    }

    @Test
    void thePriorityOfEachKindIsTheConfiguredOne() throws Exception {
        final ApnsPusher pusher = davPusher(b -> b.priority(new PrioritySettings(5, 10, null)));
        final Registration mail = register(1);
        pusher.send(mail).get(10, TimeUnit.SECONDS);
        pusher.send(calendar(2)).get(10, TimeUnit.SECONDS);
        pusher.send(contacts(3)).get(10, TimeUnit.SECONDS);
        assertThat(apns.received()).extracting(ReceivedPush::priority).containsExactly("5", "10", "5");
    }

    @Test
    void aDirectSendSaysTheDataChangedNow() throws Exception {
        final ApnsPusher pusher = davPusher(b -> { });
        final DavSubscription calendar = calendar(1);
        final PushResult result = pusher.send(calendar).get(10, TimeUnit.SECONDS);
        assertThat(result.accepted()).isTrue();
        assertThat(result.kind()).isEqualTo(PushTarget.Kind.CALENDAR);
        assertThat(onlyPushTo(calendar.deviceToken()).payload())
                .isEqualTo(davPayload(calendar, time.now(), time.now()));
    }

    @Test
    void aKindThatDoesNotFitTheTargetIsRefusedNamingBoth() throws Exception {
        final ApnsPusher pusher = davPusher(b -> { });
        assertThatThrownBy(() -> pusher.submit(calendar(1), PushKind.NEW_MAIL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a calendar push cannot be for NEW_MAIL")
                .hasMessageContaining("COLLECTION_CHANGE");
        assertThatThrownBy(() -> pusher.submit(register(2), PushKind.COLLECTION_CHANGE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a mail push cannot be for COLLECTION_CHANGE");
        assertThat(pusher.counters().submitted()).as("refused before counting").isZero();
    }

    @Test
    void withoutASubscriptionStoreAnInvalidatedSubscriptionIsKeptAndNotRetried() throws Exception {
        script.script((n, token) -> Answer.unregistered(time.now().minusSeconds(60)));
        final ApnsPusher pusher = davPusher(b -> { });
        final CompletableFuture<PushResult> sent = pusher.send(calendar(1));
        settle(pusher);
        final PushResult result = sent.get(10, TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(410);
        assertThat(result.verdict()).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(result.targetRemoved()).isFalse();
        advance(pusher, Duration.ofHours(1));
        assertThat(script.requests()).isEqualTo(1);
        assertThat(pusher.counters().rejected(PushTarget.Kind.CALENDAR)).isEqualTo(1);
        assertThat(pusher.counters().subscriptionsRemoved()).isZero();
    }

    @Test
    void aRejectionIsCountedForItsKind() throws Exception {
        script.script((n, token) -> Answer.reject(RejectionReason.BAD_TOPIC));
        final ApnsPusher pusher = davPusher(b -> { });
        assertThat(pusher.send(contacts(1)).get(10, TimeUnit.SECONDS).verdict()).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(pusher.counters().rejected(PushTarget.Kind.CONTACTS)).isEqualTo(1);
        assertThat(pusher.counters().rejected(PushTarget.Kind.CALENDAR)).isZero();
        assertThat(pusher.counters().rejected("BadTopic")).isEqualTo(1);
    }
}
