package org.mailpush.notifyd.route;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.notifyd.event.DavSubscriptionRequest;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationLimitException;
import org.mailpush.store.RegistrationStore;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.mailpush.notifyd.route.EventRouter.LOG;

/**
 * Stores a batch of devices' requests for push: the mail registrations in one group commit
 * ({@link RegistrationStore#registerAll}), then the calendar and address-book subscriptions one by one, in the order
 * they came ({@link DavSubscriptionStore#subscribe}: an upsert, expiring {@code expiry} after now). Each job is
 * finished with what the store did: registered or subscribed, or refused because the user holds the most the store
 * allows (reported to the {@link IntakeListener} as bad input, marked as a refused registration or subscription).
 * Runs on the writing thread, and on the routing thread for the requests of a mail batch's owners still queued.
 */
final class RegistrationWriting {

    private final RegistrationStore store;
    private final DavSubscriptionStore subscriptions;
    private final IntakeListener listener;
    private final String registrationTopic;
    private final Clock clock;
    private final JobOutcomes outcomes;
    private final Consumer<RouteJob> failed;

    /** @param failed what becomes of a job when the store fails */
    RegistrationWriting(final RegistrationStore store, final DavSubscriptionStore subscriptions,
                        final IntakeListener listener, final String registrationTopic, final Clock clock,
                        final JobOutcomes outcomes, final Consumer<RouteJob> failed) {
        this.store = store;
        this.subscriptions = subscriptions;
        this.listener = listener;
        this.registrationTopic = registrationTopic;
        this.clock = clock;
        this.outcomes = outcomes;
        this.failed = failed;
    }

    /** @param jobs {@link DeviceRegistration}s and {@link DavSubscriptionRequest}s, each user's in arrival order */
    void storeRegistrations(final List<RouteJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        final List<RouteJob> mail = new ArrayList<>(jobs.size());
        final List<RouteJob> dav = new ArrayList<>();
        for (final RouteJob job : jobs) {
            (job.event() instanceof DavSubscriptionRequest ? dav : mail).add(job);
        }
        storeMail(mail);
        storeSubscriptions(dav);
    }

    private void storeMail(final List<RouteJob> jobs) {
        if (jobs.isEmpty()) {
            return;
        }
        final List<Registration> registrations = new ArrayList<>(jobs.size());
        for (final RouteJob job : jobs) {
            final DeviceRegistration device = (DeviceRegistration) job.event();
            registrations.add(Registration.of(device.username(), device.accountId(), device.deviceToken(),
                    device.subtopic(), device.apsVersion(), device.mailboxes(), registrationTopic, clock.instant()));
        }
        final List<RegistrationStore.RegisterResult> results;
        try {
            results = store.registerAll(registrations);
        } catch (final RuntimeException e) {
            LOG.error("Token store failed while storing {} registration(s): {}", jobs.size(), e.getMessage());
            jobs.forEach(failed);
            return;
        }
        for (int i = 0; i < jobs.size(); i++) {
            final RouteJob job = jobs.get(i);
            final DeviceRegistration device = (DeviceRegistration) job.event();
            final RegistrationStore.RegisterResult result = results.get(i);
            if (result.refused() != null) {
                listener.badInput(device.source(), BadInputException.refusedRegistration(
                        BadInputKind.TOO_MANY_DEVICES, "device " + DeviceTokens.mask(device.deviceToken())
                                + " refused: " + result.refused().getMessage()));
                outcomes.finish(job, RouteOutcome.REFUSED);
            } else {
                LOG.info("Device {} of {} {} for {}", DeviceTokens.mask(device.deviceToken()), device.username(),
                        result.outcome() == RegistrationStore.RegisterOutcome.ADDED ? "registered" : "re-registered",
                        device.mailboxes());
                outcomes.finish(job, RouteOutcome.REGISTERED);
            }
        }
    }

    /** In order; once the store fails, the rest of the batch fails with it (one log line, not one per job). */
    private void storeSubscriptions(final List<RouteJob> jobs) {
        for (int i = 0; i < jobs.size(); i++) {
            final RouteJob job = jobs.get(i);
            final DavSubscriptionRequest request = (DavSubscriptionRequest) job.event();
            final Instant now = clock.instant();
            final DavSubscription subscription = new DavSubscription(request.deviceToken(), request.collectionId(),
                    request.pushKey(), request.topic(), request.kind(), request.subscriber(), null, now,
                    now.plus(request.expiry()));
            final DavSubscriptionStore.SubscribeOutcome outcome;
            try {
                outcome = subscriptions.subscribe(subscription);
            } catch (final RegistrationLimitException e) {
                listener.badInput(request.source(), new BadInputException(BadInputKind.TOO_MANY_DEVICES,
                        "subscription of device " + DeviceTokens.mask(request.deviceToken()) + " to "
                                + request.pushKey() + " refused: " + e.getMessage()).asSubscription());
                outcomes.finish(job, RouteOutcome.REFUSED);
                continue;
            } catch (final RuntimeException e) {
                LOG.error("Token store failed while storing {} calendar/contacts subscription(s): {}",
                        jobs.size() - i, e.getMessage());
                jobs.subList(i, jobs.size()).forEach(failed);
                return;
            }
            LOG.info("Device {} of {} {} to {} {} until {}", DeviceTokens.mask(request.deviceToken()),
                    request.subscriber(), outcome == DavSubscriptionStore.SubscribeOutcome.ADDED ? "subscribed"
                            : "re-subscribed", request.kind().label(), request.pushKey(), subscription.expiresAt());
            outcomes.finish(job, RouteOutcome.SUBSCRIBED);
        }
    }
}
