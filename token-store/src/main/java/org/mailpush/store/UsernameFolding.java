package org.mailpush.store;

import java.util.Locale;

/**
 * How usernames are compared: the way the IMAP server compares them. Cyrus lower-cases usernames by default
 * ({@code username_tolower: 1}), so do the Dovecot plugins; a server that keeps case needs {@link #PRESERVE}.
 */
public enum UsernameFolding {
    /** {@code Bob} and {@code bob} are one user (the default). */
    LOWER {
        @Override
        public String fold(final String username) {
            return username.toLowerCase(Locale.ROOT);
        }
    },
    /** Usernames are compared exactly. */
    PRESERVE {
        @Override
        public String fold(final String username) {
            return username;
        }
    };

    public abstract String fold(String username);
}
