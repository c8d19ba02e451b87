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

    /** The Flyway folder with this engine's own migrations (beside the common ones). */
    String migrationFolder() {
        return this == H2 ? "h2" : "postgresql";
    }

    /** The URL as given, with the settings this engine needs for mailpush appended where the admin set none. */
    String effectiveUrl(final String url) {
        if (this != H2) {
            return url;
        }
        final String upper = url.toUpperCase(Locale.ROOT);
        String effective = url;
        final boolean file = upper.startsWith("JDBC:H2:FILE:")
                || !upper.startsWith("JDBC:H2:MEM:") && !upper.contains(":TCP:") && !upper.contains(":SSL:");
        if (!file && !upper.contains("DB_CLOSE_ON_EXIT")) {
            // Keep an in-memory database open while the pool lives; the pool closes it on shutdown.
            effective += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        if (file) {
            // A file database: let admin commands (mailpush tokens ...) open it while the service runs; the first
            // process serves the others on a loopback port protected by a key in the lock file.
            if (!upper.contains("AUTO_SERVER")) {
                effective += ";AUTO_SERVER=TRUE";
            }
            // Write each commit to the file before it is acknowledged, so a killed process loses nothing it
            // acknowledged (H2 otherwise writes up to half a second later).
            if (!upper.contains("WRITE_DELAY")) {
                effective += ";WRITE_DELAY=0";
            }
        }
        return effective;
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
