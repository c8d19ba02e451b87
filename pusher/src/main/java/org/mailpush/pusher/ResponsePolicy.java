package org.mailpush.pusher;

import java.util.Set;

/** Classifies APNs answers into {@link ApnsVerdict}s. Stateless. */
final class ResponsePolicy {

    private static final Set<String> TOKEN_REASONS =
            Set.of("BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken");
    private static final Set<String> CREDENTIAL_REASONS =
            Set.of("BadCertificate", "BadCertificateEnvironment", "Forbidden", "TopicDisallowed",
                    "InvalidProviderToken", "MissingProviderToken");
    private static final Set<String> RETRY_REASONS =
            Set.of("TooManyProviderTokenUpdates", "TooManyRequests", "IdleTimeout", "InternalServerError",
                    "ServiceUnavailable", "Shutdown");

    private ResponsePolicy() {
    }

    static ApnsVerdict classify(final int status, final String reason) {
        if (status == 200) {
            return ApnsVerdict.ACCEPTED;
        }
        if (reason != null) {
            if (TOKEN_REASONS.contains(reason)) {
                return ApnsVerdict.TOKEN_INVALID;
            }
            if (CREDENTIAL_REASONS.contains(reason)) {
                return ApnsVerdict.CREDENTIAL_INVALID;
            }
            if ("ExpiredProviderToken".equals(reason)) {
                return ApnsVerdict.REFRESH_PROVIDER_TOKEN;
            }
            if (RETRY_REASONS.contains(reason)) {
                return ApnsVerdict.RETRYABLE;
            }
        }
        return switch (status) {
            case 410 -> ApnsVerdict.TOKEN_INVALID;
            case 403 -> ApnsVerdict.CREDENTIAL_INVALID;
            case 429, 500, 502, 503, 504 -> ApnsVerdict.RETRYABLE;
            default -> ApnsVerdict.PERMANENT;
        };
    }
}
