package org.mailpush.pusher;

import java.time.Duration;
import java.time.Instant;

/**
 * How one HTTP/2 request to APNs ended (or why it was not sent).
 *
 * @param status the HTTP status, {@code 0} when APNs did not answer
 */
record Attempt(ApnsVerdict verdict, int status, String reason, Instant tokenInvalidatedAt, Throwable failure,
               Duration roundTrip) {

    static final String CREDENTIAL_DISABLED = "CredentialDisabled";

    /** Not sent: APNs refused the credential earlier. */
    static Attempt credentialDisabled(final String problem) {
        return new Attempt(ApnsVerdict.CREDENTIAL_INVALID, 0, CREDENTIAL_DISABLED + ": " + problem, null, null,
                Duration.ZERO);
    }

    /** Whether a request went out and APNs answered it. */
    boolean answered() {
        return status != 0;
    }
}
