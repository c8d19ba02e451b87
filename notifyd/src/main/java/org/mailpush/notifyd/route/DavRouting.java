package org.mailpush.notifyd.route;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionStore;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static org.mailpush.notifyd.route.EventRouter.LOG;

/**
 * Routes a batch of calendar and address-book events: the subscriptions of all their collections looked up at once
 * ({@link DavSubscriptionStore#subscriptionsOfCollections}, by the collection's unique id, not by owner: a device
 * may subscribe to a calendar another user shares with it), then one {@link PushIntent} per live subscription. Every
 * change counts ({@code MessageNew}, {@code MessageExpunge}, flags, and {@code MailboxModseq}, which for a DAV
 * DELETE is the last event); one DAV write makes two or three of them, which the pusher coalesces per subscription
 * ({@code COLLECTION_CHANGE}). Runs on the routing thread.
 */
final class DavRouting {

    private final DavSubscriptionStore subscriptions;
    private final PushDispatcher dispatcher;
    private final JobOutcomes outcomes;
    private final Consumer<RouteJob> failed;
    private final Clock clock;
    /** Whether an event without a collection id has been logged: once is enough to say the Cyrus is unusual. */
    private final AtomicBoolean warnedNoCollection = new AtomicBoolean();

    /**
     * @param failed what becomes of a job when the store fails
     * @param clock  what "expired" is measured against
     */
    DavRouting(final DavSubscriptionStore subscriptions, final PushDispatcher dispatcher, final JobOutcomes outcomes,
               final Consumer<RouteJob> failed, final Clock clock) {
        this.subscriptions = subscriptions;
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
        this.failed = failed;
        this.clock = clock;
    }

    /** Whether an event of this type may mean a collection's content changed. */
    static boolean isChange(final EventType type) {
        return type.kind() == EventType.Kind.NEW_MAIL || type.kind() == EventType.Kind.MAILBOX_CHANGE
                || type == EventType.MAILBOX_MODSEQ;
    }

    /** @param jobs mailbox events of calendars and address books */
    void routeChanges(final List<RouteJob> jobs) {
        final List<RouteJob> changes = new ArrayList<>(jobs.size());
        final Set<String> collections = new LinkedHashSet<>();
        for (final RouteJob job : jobs) {
            final MailboxEvent change = (MailboxEvent) job.event();
            if (!isChange(change.type())) {
                outcomes.finish(job, RouteOutcome.IGNORED);
            } else if (change.collectionId() == null) {
                if (warnedNoCollection.compareAndSet(false, true)) {
                    LOG.warn("A {} event of {} {} names no collection id (mailboxUniqueId or mailboxID), so no"
                            + " subscription can be found for it; further ones are counted"
                            + " (mailpush_events_routed{outcome=\"no_collection\"})", change.type().wireName(),
                            change.owner(), change.mailbox());
                }
                outcomes.finish(job, RouteOutcome.NO_COLLECTION);
            } else {
                changes.add(job);
                collections.add(change.collectionId());
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        final Map<String, List<DavSubscription>> byCollection;
        try {
            byCollection = subscriptions.subscriptionsOfCollections(collections, clock.instant());
        } catch (final RuntimeException e) {
            LOG.error("Token store failed while routing {} calendar/contacts event(s): {}", changes.size(),
                    e.getMessage());
            changes.forEach(failed);
            return;
        }
        for (final RouteJob job : changes) {
            final MailboxEvent change = (MailboxEvent) job.event();
            try {
                final List<DavSubscription> subscribed = byCollection.getOrDefault(change.collectionId(), List.of());
                if (subscribed.isEmpty()) {
                    LOG.debug("{} in {} of {} (collection {}): no device subscribes to it", change.type().wireName(),
                            change.mailbox(), change.owner(), change.collectionId());
                    outcomes.finish(job, RouteOutcome.NOT_SUBSCRIBED);
                } else {
                    Dispatching.toAll(dispatcher, outcomes, job, change, subscribed);
                }
            } catch (final RuntimeException e) {
                LOG.error("Could not route a {} event", change.type().wireName(), e);
                outcomes.finish(job, RouteOutcome.STORE_FAILED);
            }
        }
    }
}
