package org.mailpush.pusher;

/** What an APNs answer means for mailpush (protocols.md §4), decided from the status and reason, never from
 * Pushy's {@code isAccepted()} alone. */
public enum ApnsVerdict {
    /** 200: Apple took the push. */
    ACCEPTED,
    /** The token is dead or wrong (BadDeviceToken, DeviceTokenNotForTopic, Unregistered, ExpiredToken): drop the
     * registration, never retry. */
    TOKEN_INVALID,
    /** The credential is refused (BadCertificate, BadCertificateEnvironment, Forbidden, TopicDisallowed): stop
     * using it, alert. */
    CREDENTIAL_INVALID,
    /** A token-auth JWT went stale (ExpiredProviderToken): sign a new one and send again. */
    REFRESH_PROVIDER_TOKEN,
    /** Try again later with back-off (429, 500, 503, Shutdown, transport failure). */
    RETRYABLE,
    /** Our request is wrong (BadTopic, PayloadTooLarge, ...): a configuration or code problem, never retried. */
    PERMANENT,
    /** Not sent: no credential has the topic of a calendar or contacts subscription (the site installed no
     * certificate for it). Final, never retried, never sent on another topic: APNs would refuse it there (BadTopic),
     * and the device only listens on its own. */
    NO_CREDENTIAL
}
