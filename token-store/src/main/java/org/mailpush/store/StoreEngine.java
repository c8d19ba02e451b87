package org.mailpush.store;

import java.util.Locale;

/** The database engines the store runs on, chosen from the JDBC URL. */
enum StoreEngine {
    H2,
    POSTGRESQL;

    static StoreEngine forUrl(final String url) {
        final String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("store.url must start with jdbc:h2: or jdbc:postgresql:, not "
                + describeUnknown(url));
    }

    /** The URL as given, with the settings this engine needs for mailpush appended where the admin set none. */
    String effectiveUrl(final String url) {
        if (this == H2) {
            String effective = url;
            // Keep the database open while the pool lives; the pool closes it on shutdown.
            if (!url.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
                effective += ";DB_CLOSE_ON_EXIT=FALSE";
            }
            return effective;
        }
        return url;
    }

    /** The URL without anything that could be a secret (query parameters may carry a password). */
    String describe(final String url) {
        final int query = url.indexOf('?');
        final int h2Settings = this == H2 ? url.indexOf(';') : -1;
        int end = url.length();
        if (query >= 0) {
            end = Math.min(end, query);
        }
        if (h2Settings >= 0) {
            end = Math.min(end, h2Settings);
        }
        return url.substring(0, end);
    }

    private static String describeUnknown(final String url) {
        final int colon = url.indexOf(':', "jdbc:".length());
        return colon > 0 ? url.substring(0, colon + 1) + "..." : "\"" + url + "\"";
    }
}
