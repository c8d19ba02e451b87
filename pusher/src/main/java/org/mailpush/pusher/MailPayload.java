package org.mailpush.pusher;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The payload Mail understands: {@code {"aps":{"account-id":"<aps-account-id>"}}}. It only says "check this
 * account"; the phone fetches the rest over IMAP.
 */
final class MailPayload {

    private MailPayload() {
    }

    /** Built per push, so by hand: Jackson's string escaping, no object mapping. */
    static String forAccount(final String accountId) {
        final StringBuilder json = new StringBuilder(32 + accountId.length()).append("{\"aps\":{\"account-id\":\"");
        JsonStringEncoder.getInstance().quoteAsString(accountId, json);
        return json.append("\"}}").toString();
    }
}
