package org.mailpush.server.service;

import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushKind;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionKey;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.PushQueue;
import org.mailpush.store.QueuedPush;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pusher process's side of the queue in the token store ({@code --role pusher}): reads the pushes the intake
 * process queued, in order, hands each to the pusher, and removes a row only once its push has Apple's final
 * answer, so a pusher that stops or crashes takes up again where it was (a push may be sent twice, never lost).
 *
 * <p>One thread; it polls every {@link #POLL} when the queue is empty and removes answered rows in batches.</p>
 */
final class QueuedPushConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedPushConsumer.class);
    static final Duration POLL = Duration.ofMillis(25);
    private static final int BATCH = 500;

    private final PushQueue queue;
    private final RegistrationStore registrations;
    private final DavSubscriptionStore subscriptions;
    private final ApnsPusher pusher;
    private final Thread thread;
    private final List<Long> answered = new ArrayList<>();
    private volatile boolean running = true;
    private long lastId;
    private long lastRemove = System.nanoTime();

    /**
     * @param registrations where the device of each queued mail push is looked up (it may have been removed since)
     * @param subscriptions where the subscription of each queued DAV push is looked up (likewise)
     */
    QueuedPushConsumer(final PushQueue queue, final RegistrationStore registrations,
                       final DavSubscriptionStore subscriptions, final ApnsPusher pusher) {
        this.queue = queue;
        this.registrations = registrations;
        this.subscriptions = subscriptions;
        this.pusher = pusher;
        this.thread = new Thread(this::run, "push-queue");
        this.thread.setDaemon(true);
        this.thread.start();
        LOG.info("Taking queued pushes from the token store");
    }

    private void run() {
        while (running) {
            try {
                final List<QueuedPush> batch = queue.read(lastId, BATCH);
                for (final QueuedPush push : batch) {
                    submit(push);
                    lastId = push.id();
                }
                removeAnswered(false);
                if (batch.isEmpty()) {
                    Thread.sleep(POLL.toMillis());
                }
            } catch (final TokenStoreException e) {
                LOG.warn("Cannot read queued pushes ({}); trying again in a second", e.getMessage());
                sleep(1000);
            } catch (final InterruptedException e) {
                return;
            }
        }
    }

    private void submit(final QueuedPush push) {
        if (push.target() instanceof DavSubscriptionKey key) {
            final Optional<DavSubscription> subscription = subscriptions.findSubscription(key);
            if (subscription.isEmpty() || subscription.get().expiredAt(Instant.now())) {
                done(push.id()); // unsubscribed, removed or expired since: nothing to push
                return;
            }
            final long age = Math.max(0, Duration.between(push.receivedAt(), Instant.now()).toNanos());
            pusher.submit(subscription.get(), PushKind.COLLECTION_CHANGE, System.nanoTime() - age,
                    () -> done(push.id()));
            return;
        }
        final Optional<Registration> registration = registrations.find((RegistrationKey) push.target());
        if (registration.isEmpty()) {
            done(push.id()); // the device was removed since
            return;
        }
        final long age = Math.max(0, Duration.between(push.receivedAt(), Instant.now()).toNanos());
        pusher.submit(registration.get(), push.newMail() ? PushKind.NEW_MAIL : PushKind.MAILBOX_CHANGE,
                System.nanoTime() - age, () -> done(push.id()));
    }

    private void done(final long id) {
        synchronized (answered) {
            answered.add(id);
        }
    }

    private void removeAnswered(final boolean now) {
        if (!now && System.nanoTime() - lastRemove < 100_000_000L) {
            return;
        }
        lastRemove = System.nanoTime();
        final List<Long> ids;
        synchronized (answered) {
            if (answered.isEmpty()) {
                return;
            }
            ids = List.copyOf(answered);
            answered.clear();
        }
        try {
            queue.remove(ids);
        } catch (final TokenStoreException e) {
            synchronized (answered) {
                answered.addAll(ids);
            }
            throw e;
        }
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops reading; what was answered so far is removed (the rest is taken up at the next start). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes the rows answered since the last removal; called once the pusher finished at shutdown. */
    void removeAnsweredNow() {
        try {
            removeAnswered(true);
        } catch (final TokenStoreException e) {
            LOG.warn("Could not remove answered pushes from the queue ({}); they will be sent again", e.getMessage());
        }
    }
}
