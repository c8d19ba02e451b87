package org.mailpush.pusher;

import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.PushTarget;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How one push ended.
 *
 * @param target                 what the push went to: a mail registration or a calendar/contacts subscription
 * @param status                 the HTTP status APNs answered, {@code 0} when no answer came (transport failure, or
 *                               not sent: credential disabled, no credential for the topic)
 * @param reason                 Apple's rejection reason, {@code null} when accepted or no answer came; for a push
 *                               not sent, why, led by a word and a colon ({@code NoCredential: ...})
 * @param tokenInvalidatedAt     for 410, when Apple says the token stopped being valid
 * @param failure                the transport failure, {@code null} when APNs answered
 * @param targetRemoved          whether the registration or subscription was deleted because of this answer
 * @param roundTrip              from the first attempt to the final answer
 * @param attempts               requests sent to APNs for this push (0 when none could be sent)
 * @param sinceEvent             for a push caused by events: from taking in the earliest event it covers to the
 *                               final answer; {@code null} for a direct send, and for a push not sent for want of
 *                               a credential (no sample of push latency)
 */
public record PushResult(PushTarget target, ApnsVerdict verdict, int status, String reason,
                         Instant tokenInvalidatedAt, Throwable failure, boolean targetRemoved,
                         Duration roundTrip, int attempts, Duration sinceEvent) {

    public PushResult {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(roundTrip, "roundTrip");
    }

    /** Which app the push was for: mail, calendar or contacts (a metric's label). */
    public PushTarget.Kind kind() {
        return target.kind();
    }

    public boolean accepted() {
        return verdict == ApnsVerdict.ACCEPTED;
    }

    public Optional<String> rejectionReason() {
        return Optional.ofNullable(reason);
    }

    /** One line for a log or a terminal: masked token (after the kind, unless mail), status, reason. */
    public String describe() {
        final String device = (kind() == PushTarget.Kind.MAIL ? "" : kind().label() + " ")
                + DeviceTokens.mask(target.deviceToken());
        final String tries = attempts == 1 ? "" : " after " + attempts + " attempts";
        if (status == 0) {
            return device + ": " + (attempts == 0 ? "not sent" : "no answer") + tries + " ("
                    + (failure != null ? failure.getClass().getSimpleName() + ": " + failure.getMessage() : reason)
                    + ")";
        }
        return device + ": " + status + (reason != null ? " " + reason : "") + tries
                + (targetRemoved ? (kind() == PushTarget.Kind.MAIL ? ", registration removed"
                : ", subscription removed") : "") + " in " + roundTrip.toMillis() + " ms";
    }
}
