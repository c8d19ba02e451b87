package org.mailpush.pusher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

/**
 * The payload Mail understands: {@code {"aps":{"account-id":"<aps-account-id>"}}}. It only says "check this
 * account"; the phone fetches the rest over IMAP.
 */
final class MailPayload {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MailPayload() {
    }

    static String forAccount(final String accountId) {
        try {
            return JSON.writeValueAsString(Map.of("aps", Map.of("account-id", accountId)));
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot write a two-string JSON object", e);
        }
    }
}
