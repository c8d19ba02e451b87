package org.mailpush.pusher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The table of protocols.md §4. */
class ResponsePolicyTest {

    @Test
    void classifiesEveryReasonOfAppleTable() {
        assertThat(ResponsePolicy.classify(200, null)).isEqualTo(ApnsVerdict.ACCEPTED);
        assertThat(ResponsePolicy.classify(400, "BadDeviceToken")).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(ResponsePolicy.classify(400, "DeviceTokenNotForTopic")).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(ResponsePolicy.classify(410, "Unregistered")).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(ResponsePolicy.classify(410, "ExpiredToken")).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(ResponsePolicy.classify(400, "BadTopic")).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(ResponsePolicy.classify(400, "MissingTopic")).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(ResponsePolicy.classify(400, "PayloadEmpty")).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(ResponsePolicy.classify(403, "BadCertificate")).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(ResponsePolicy.classify(403, "BadCertificateEnvironment")).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(ResponsePolicy.classify(403, "Forbidden")).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(ResponsePolicy.classify(400, "TopicDisallowed")).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(ResponsePolicy.classify(403, "ExpiredProviderToken")).isEqualTo(ApnsVerdict.REFRESH_PROVIDER_TOKEN);
        assertThat(ResponsePolicy.classify(413, "PayloadTooLarge")).isEqualTo(ApnsVerdict.PERMANENT);
        assertThat(ResponsePolicy.classify(429, "TooManyRequests")).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(ResponsePolicy.classify(500, "InternalServerError")).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(ResponsePolicy.classify(503, "ServiceUnavailable")).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(ResponsePolicy.classify(503, "Shutdown")).isEqualTo(ApnsVerdict.RETRYABLE);
    }

    @Test
    void unknownReasonsFallBackOnTheStatus() {
        assertThat(ResponsePolicy.classify(410, "SomethingNew")).isEqualTo(ApnsVerdict.TOKEN_INVALID);
        assertThat(ResponsePolicy.classify(503, null)).isEqualTo(ApnsVerdict.RETRYABLE);
        assertThat(ResponsePolicy.classify(403, null)).isEqualTo(ApnsVerdict.CREDENTIAL_INVALID);
        assertThat(ResponsePolicy.classify(400, "SomethingNew")).isEqualTo(ApnsVerdict.PERMANENT);
    }
}
