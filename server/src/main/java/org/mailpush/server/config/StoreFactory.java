package org.mailpush.server.config;

import org.mailpush.store.StoreSettings;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

/** Opens the token store a configuration describes; the service and the admin commands share it. */
public final class StoreFactory {

    private StoreFactory() {
    }

    public static TokenStore open(final StoreSettings settings) throws ConfigException {
        return open(settings, settings.failoverTimeout());
    }

    /** As {@link #open(StoreSettings)}, waiting at most {@code failoverTimeout} for a reachable database. */
    public static TokenStore open(final StoreSettings settings, final java.time.Duration failoverTimeout)
            throws ConfigException {
        final TokenStoreBuilder builder = new TokenStoreBuilder()
                .settings(settings)
                .failoverTimeout(failoverTimeout);
        if (settings.user() != null || settings.passwordFile() != null) {
            builder.credentials(settings.user(), settings.passwordFile() == null ? null
                    : new String(SecretFiles.readPassword("store.password-file", settings.passwordFile())));
        }
        return builder.build();
    }
}
