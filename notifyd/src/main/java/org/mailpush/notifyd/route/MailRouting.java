package org.mailpush.notifyd.route;

import org.mailpush.common.mail.MailboxNames;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.mailpush.notifyd.route.EventRouter.LOG;

/**
 * Routes a batch of mail mailbox events: the registrations of all their owners looked up at once
 * ({@link RegistrationStore#registrationsOfUsers}), then a {@link PushIntent} to the {@link PushDispatcher} for each
 * of an owner's devices that watches the event's mailbox, under any name a client may give it
 * ({@link MailboxEvent#clientNames()}: {@code Sent} or {@code INBOX/Sent}). Only mail events come here (the router
 * sends calendars and address books to {@link DavRouting}). Runs on the routing thread.
 */
final class MailRouting {

    private final RegistrationStore store;
    private final PushDispatcher dispatcher;
    private final JobOutcomes outcomes;
    private final Consumer<RouteJob> failed;

    /** @param failed what becomes of a job when the store fails */
    MailRouting(final RegistrationStore store, final PushDispatcher dispatcher, final JobOutcomes outcomes,
                final Consumer<RouteJob> failed) {
        this.store = store;
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
        this.failed = failed;
    }

    /** The owners of a batch's mailbox events, folded as the registration lanes are keyed. */
    Set<String> owners(final List<RouteJob> mail) {
        final Set<String> owners = new LinkedHashSet<>();
        for (final RouteJob job : mail) {
            if (job.event() instanceof MailboxEvent change) {
                owners.add(store.foldUsername(change.owner()));
            }
        }
        return owners;
    }

    void routeMail(final List<RouteJob> jobs) {
        final List<RouteJob> changes = new ArrayList<>(jobs.size());
        final Set<String> owners = new LinkedHashSet<>();
        for (final RouteJob job : jobs) {
            final MailboxEvent change = (MailboxEvent) job.event();
            if (change.type().kind() != EventType.Kind.NEW_MAIL
                    && change.type().kind() != EventType.Kind.MAILBOX_CHANGE) {
                outcomes.finish(job, RouteOutcome.IGNORED);
            } else {
                changes.add(job);
                owners.add(change.owner());
            }
        }
        if (changes.isEmpty()) {
            return;
        }
        final Map<String, List<Registration>> byOwner;
        try {
            byOwner = store.registrationsOfUsers(owners);
        } catch (final RuntimeException e) {
            LOG.error("Token store failed while routing {} event(s): {}", changes.size(), e.getMessage());
            changes.forEach(failed);
            return;
        }
        for (final RouteJob job : changes) {
            try {
                dispatch(job, byOwner.getOrDefault(((MailboxEvent) job.event()).owner(), List.of()));
            } catch (final RuntimeException e) {
                LOG.error("Could not route a {} event", job.event().type().wireName(), e);
                outcomes.finish(job, RouteOutcome.STORE_FAILED);
            }
        }
    }

    /** Hands the pushes for one event to the dispatcher and finishes the job ({@link Dispatching}). */
    private void dispatch(final RouteJob job, final List<Registration> ownersRegistrations) {
        final MailboxEvent change = (MailboxEvent) job.event();
        final List<String> names = change.clientNames();
        final List<Registration> watching = new ArrayList<>(ownersRegistrations.size());
        for (final Registration registration : ownersRegistrations) {
            if (MailboxNames.watchesAny(registration.mailboxes(), names)) {
                watching.add(registration);
            }
        }
        if (watching.isEmpty()) {
            LOG.debug("{} in {} of {}: no registered device watches it", change.type().wireName(), change.mailbox(),
                    change.owner());
            outcomes.finish(job, ownersRegistrations.isEmpty() ? RouteOutcome.UNKNOWN_USER : RouteOutcome.NOT_WATCHED);
            return;
        }
        Dispatching.toAll(dispatcher, outcomes, job, change, watching);
    }
}
