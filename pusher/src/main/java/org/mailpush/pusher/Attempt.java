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
    static final String NO_CREDENTIAL = "NoCredential";

    /** Not sent: APNs refused the credential earlier. */
    static Attempt credentialDisabled(final String problem) {
        return new Attempt(ApnsVerdict.CREDENTIAL_INVALID, 0, CREDENTIAL_DISABLED + ": " + problem, null, null,
                Duration.ZERO);
    }

    /**
     * Not sent: no credential serves {@code topic}. The reason leads with {@link #NO_CREDENTIAL} and a colon, as
     * {@link #credentialDisabled}'s does, so that a metric can label by what precedes it.
     */
    static Attempt noCredential(final String topic) {
        return new Attempt(ApnsVerdict.NO_CREDENTIAL, 0, noCredentialReason(topic), null, null, Duration.ZERO);
    }

    static String noCredentialReason(final String topic) {
        return NO_CREDENTIAL + ": no credential for topic " + topic;
    }

    /** Whether a request went out and APNs answered it. */
    boolean answered() {
        return status != 0;
    }
}
