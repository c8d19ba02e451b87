package org.mailpush.pusher;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.Registration;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How one push ended.
 *
 * @param status                 the HTTP status APNs answered, {@code 0} when no answer came (transport failure)
 * @param reason                 Apple's rejection reason, {@code null} when accepted or no answer came
 * @param tokenInvalidatedAt     for 410, when Apple says the token stopped being valid
 * @param failure                the transport failure, {@code null} when APNs answered
 * @param registrationRemoved    whether the registration was deleted because of this answer
 * @param roundTrip              from the first attempt to the final answer
 * @param attempts               requests sent to APNs for this push (0 when none could be sent)
 * @param sinceEvent             for a push caused by events: from taking in the earliest event it covers to the
 *                               final answer; {@code null} for a direct send
 */
public record PushResult(Registration registration, ApnsVerdict verdict, int status, String reason,
                         Instant tokenInvalidatedAt, Throwable failure, boolean registrationRemoved,
                         Duration roundTrip, int attempts, Duration sinceEvent) {

    public PushResult {
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(roundTrip, "roundTrip");
    }

    public boolean accepted() {
        return verdict == ApnsVerdict.ACCEPTED;
    }

    public Optional<String> rejectionReason() {
        return Optional.ofNullable(reason);
    }

    /** One line for a log or a terminal: masked token, status, reason. */
    public String describe() {
        final String device = DeviceTokens.mask(registration.deviceToken());
        final String tries = attempts == 1 ? "" : " after " + attempts + " attempts";
        if (status == 0) {
            return device + ": no answer" + tries + " (" + (failure != null
                    ? failure.getClass().getSimpleName() + ": " + failure.getMessage() : reason) + ")";
        }
        return device + ": " + status + (reason != null ? " " + reason : "") + tries
                + (registrationRemoved ? ", registration removed" : "") + " in " + roundTrip.toMillis() + " ms";
    }
}
