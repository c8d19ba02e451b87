package org.mailpush.pusher;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.time.Instant;

/**
 * The payload iOS Calendar and Contacts understand, as Apple's CalendarServer sends it (dav-push.md §2.1):
 * {@code {"key":"<push key>","dataChangedTimestamp":<epoch s>,"pushRequestSubmittedTimestamp":<epoch s>}}, with no
 * {@code aps} dictionary. The key is the opaque string the device read from the collection's {@code CS:pushkey}
 * and subscribed with; it tells the device which collection to sync. Stateless.
 */
final class DavPayload {

    private DavPayload() {
    }

    /**
     * Built per push, so by hand: Jackson's string escaping, no object mapping.
     *
     * @param pushKey     the subscription's push key, exactly as the device holds it
     * @param dataChanged when the latest change the push covers happened
     * @param submitted   when the push request is made
     */
    static String of(final String pushKey, final Instant dataChanged, final Instant submitted) {
        final StringBuilder json = new StringBuilder(96 + pushKey.length()).append("{\"key\":\"");
        JsonStringEncoder.getInstance().quoteAsString(pushKey, json);
        return json.append("\",\"dataChangedTimestamp\":").append(dataChanged.getEpochSecond())
                .append(",\"pushRequestSubmittedTimestamp\":").append(submitted.getEpochSecond())
                .append('}').toString();
    }
}
