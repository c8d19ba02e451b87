package org.mailpush.notifyd.route;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.mailpush.notifyd.route.EventRouter.LOG;

/**
 * Stores a batch of registrations in one group commit ({@link RegistrationStore#registerAll}) and finishes each
 * job with what the store did: registered, or refused (reported to the {@link IntakeListener} as bad input). Runs on
 * the writing thread, and on the routing thread for the registrations of a mail batch's owners still queued.
 */
final class RegistrationWriting {

    private final RegistrationStore store;
    private final IntakeListener listener;
    private final String registrationTopic;
    private final Clock clock;
    private final JobOutcomes outcomes;
    private final Consumer<RouteJob> failed;

    /** @param failed what becomes of a job when the store fails */
    RegistrationWriting(final RegistrationStore store, final IntakeListener listener, final String registrationTopic,
                        final Clock clock, final JobOutcomes outcomes, final Consumer<RouteJob> failed) {
        this.store = store;
        this.listener = listener;
        this.registrationTopic = registrationTopic;
        this.clock = clock;
        this.outcomes = outcomes;
        this.failed = failed;
    }

    void storeRegistrations(final List<RouteJob> jobs) {
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
}
