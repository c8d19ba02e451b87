package org.mailpush.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.time.Duration;
import java.util.Objects;

/**
 * Builds a {@link TokenStore} from a JDBC URL: its registrations and DAV subscriptions (each behind its routing
 * cache unless it is off) and its push queue. The engine follows from the URL alone: {@code jdbc:h2:file:...} (the
 * default, nothing to install) or {@code jdbc:postgresql://...} (several hosts for failover:
 * {@code jdbc:postgresql://h1:5432,h2:5432/mailpush?targetServerType=primary}). The schema is created or upgraded by
 * Flyway before {@link #build()} returns, so a store that builds is ready to use.
 */
public final class TokenStoreBuilder {

    /** Whether routing lookups go through an in-memory cache. */
    public enum CacheMode {
        /** The default: on for both engines. */
        AUTO,
        ON,
        /** Every lookup reads the database. */
        OFF
    }

    private String url = StoreSettings.DEFAULTS.url();
    private String username;
    private String password;
    private int maxConnections = 4;
    private Duration connectionTimeout = Duration.ofSeconds(5);
    // The defaults are StoreSettings's, written there once.
    private Duration failoverTimeout = StoreSettings.DEFAULTS.failoverTimeout();
    private int maxDevicesPerUser = StoreSettings.DEFAULTS.maxDevicesPerUser();
    private int maxSubscriptionsPerUser = StoreSettings.DEFAULTS.maxSubscriptionsPerUser();
    private UsernameFolding folding = StoreSettings.DEFAULTS.usernameCase();
    private CacheMode cacheMode = StoreSettings.DEFAULTS.cache();
    private long cacheUsers = StoreSettings.DEFAULTS.cacheSize();
    private Duration cacheMaxAge = StoreSettings.DEFAULTS.cacheMaxAge();
    private long knownUsers = StoreSettings.DEFAULTS.cacheKnownUsers();

    /** Every setting of a {@code store:} section (the database credentials apart: see {@link #credentials}). */
    public TokenStoreBuilder settings(final StoreSettings settings) {
        return url(settings.url())
                .usernameFolding(settings.usernameCase())
                .failoverTimeout(settings.failoverTimeout())
                .maxDevicesPerUser(settings.maxDevicesPerUser())
                .maxSubscriptionsPerUser(settings.maxSubscriptionsPerUser())
                .cache(settings.cache(), settings.cacheSize(), settings.cacheMaxAge())
                .knownUsers(settings.cacheKnownUsers());
    }

    public TokenStoreBuilder url(final String jdbcUrl) {
        this.url = jdbcUrl;
        return this;
    }

    /** Database credentials; H2 files need none, PostgreSQL usually does. */
    public TokenStoreBuilder credentials(final String user, final String secret) {
        this.username = user;
        this.password = secret;
        return this;
    }

    public TokenStoreBuilder maxConnections(final int connections) {
        this.maxConnections = connections;
        return this;
    }

    /** How long one attempt waits for a database connection. Default 5 s. */
    public TokenStoreBuilder connectionTimeout(final Duration timeout) {
        this.connectionTimeout = timeout;
        return this;
    }

    /**
     * How long an operation keeps trying while the database is unreachable (a PostgreSQL failover takes seconds).
     * Default 30 s; then it fails.
     */
    public TokenStoreBuilder failoverTimeout(final Duration timeout) {
        this.failoverTimeout = timeout;
        return this;
    }

    /** How usernames are compared; default {@link UsernameFolding#LOWER}. */
    /**
     * The most devices one user may register (default 100); a new device beyond it is refused with
     * {@link RegistrationLimitException}, devices already there keep re-registering. Imports are not limited.
     */
    public TokenStoreBuilder maxDevicesPerUser(final int devices) {
        this.maxDevicesPerUser = devices;
        return this;
    }

    /**
     * The most DAV subscriptions one user may hold (default 1,000: a subscription is one device and one calendar or
     * address book); a new one beyond it is refused with {@link RegistrationLimitException#ofSubscriptions},
     * subscriptions already there keep refreshing. Imports are not limited.
     */
    public TokenStoreBuilder maxSubscriptionsPerUser(final int subscriptions) {
        this.maxSubscriptionsPerUser = subscriptions;
        return this;
    }

    public TokenStoreBuilder usernameFolding(final UsernameFolding usernameFolding) {
        this.folding = usernameFolding;
        return this;
    }

    /**
     * The routing cache: mode, how many users it holds at most, and how long an entry may live (the bound on
     * staleness should a change notification be lost). Default AUTO, 100,000 users, 1 minute.
     */
    public TokenStoreBuilder cache(final CacheMode mode, final long maxUsers, final Duration maxAge) {
        this.cacheMode = mode;
        this.cacheUsers = maxUsers;
        this.cacheMaxAge = maxAge;
        return this;
    }

    /**
     * The most users with devices the routing cache lists in memory (default 1,000,000, about 90 MB at most), so
     * that mail for a user without any costs no query. Past it, such lookups go to the database (batched).
     */
    public TokenStoreBuilder knownUsers(final long maxUsers) {
        this.knownUsers = maxUsers;
        return this;
    }

    /**
     * Opens the database, migrates its schema and returns the store.
     *
     * @throws IllegalArgumentException when the URL names no supported engine or a setting is out of range
     * @throws TokenStoreException      when the database cannot be opened or migrated
     */
    public TokenStore build() {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(folding, "usernameFolding");
        Objects.requireNonNull(cacheMode, "cacheMode");
        final StoreEngine engine = StoreEngine.forUrl(url);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, not " + maxConnections);
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("connectionTimeout must be at least 250 ms");
        }
        if (maxDevicesPerUser < 1) {
            throw new IllegalArgumentException("maxDevicesPerUser must be at least 1, not " + maxDevicesPerUser);
        }
        if (maxSubscriptionsPerUser < 1) {
            throw new IllegalArgumentException("maxSubscriptionsPerUser must be at least 1, not "
                    + maxSubscriptionsPerUser);
        }
        if (failoverTimeout.isNegative() || cacheUsers < 1 || cacheMaxAge.isNegative() || cacheMaxAge.isZero()
                || knownUsers < 0) {
            throw new IllegalArgumentException("failoverTimeout, cache size and cache age must be positive");
        }
        final String description = engine.name().toLowerCase(java.util.Locale.ROOT) + " " + engine.describe(url);

        final HikariConfig config = new HikariConfig();
        config.setPoolName("mailpush-store");
        config.setJdbcUrl(engine.effectiveUrl(url));
        if (username != null) {
            config.setUsername(username);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(maxConnections);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setValidationTimeout(Math.min(connectionTimeout.toMillis(), 5_000));
        // Fail at start-up with the real reason when the database is not there, not at the first event.
        config.setInitializationFailTimeout(connectionTimeout.toMillis());

        final HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(config);
        } catch (final RuntimeException e) {
            throw new TokenStoreException("cannot open the token store at " + description + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/common", "classpath:db/migration/" + engine.migrationFolder())
                    .load()
                    .migrate();
        } catch (final FlywayException e) {
            dataSource.close();
            final String reason = rootMessage(e);
            // A role of a split install may use the schema but not change it (docs/postgresql/split-roles.sql).
            final String hint = reason.contains("permission denied")
                    ? "; this database user may not change the schema: open the store once as the schema's owner"
                    + " (e.g. mailpush tokens list with the owner as store.user), then start again"
                    : "";
            throw new TokenStoreException("cannot migrate the token store schema at " + description + ": "
                    + reason + hint, e);
        }
        final JdbiDatabase database = new JdbiDatabase(dataSource, failoverTimeout);
        final JdbiRegistrationStore registrations = new JdbiRegistrationStore(database, folding, maxDevicesPerUser);
        final JdbiDavSubscriptionStore subscriptions = new JdbiDavSubscriptionStore(database, folding,
                maxSubscriptionsPerUser);
        final JdbiTransfer transfer = new JdbiTransfer(database, registrations, subscriptions);
        final JdbiPushQueue pushQueue = new JdbiPushQueue(database, engine);
        if (cacheMode == CacheMode.OFF) {
            // Without caches the listener only wakes queue claimers (PostgreSQL); H2's claimers poll.
            PgChangeListener queueListener = null;
            if (engine == StoreEngine.POSTGRESQL) {
                queueListener = new PgChangeListener(url, username, password, null, null, pushQueue);
                queueListener.start();
            }
            return new TokenStore(registrations, subscriptions, pushQueue, transfer, java.util.List.of(), database,
                    description, queueListener);
        }
        final CachingRegistrationStore cache = new CachingRegistrationStore(registrations, folding, cacheUsers,
                cacheMaxAge, registrations::forEachRegisteredUser, knownUsers);
        // The same bound and age for collections as for users: one setting for the routing cache.
        final CachingDavSubscriptionStore davCache = new CachingDavSubscriptionStore(subscriptions, cacheUsers,
                cacheMaxAge);
        final AutoCloseable changeListener;
        if (engine == StoreEngine.POSTGRESQL) {
            final PgChangeListener listener = new PgChangeListener(url, username, password, cache, davCache,
                    pushQueue);
            changeListener = listener;
            listener.start();
        } else {
            try (java.sql.Connection connection = dataSource.getConnection()) {
                final String path = H2ChangeTrigger.databasePath(connection);
                final java.util.function.Consumer<String> users = cache::invalidate;
                final java.util.function.Consumer<String> collections = davCache::invalidate;
                H2ChangeTrigger.listen(path, H2ChangeTrigger.REGISTRATION, users);
                H2ChangeTrigger.listen(path, H2ChangeTrigger.DAV_SUBSCRIPTION, collections);
                changeListener = () -> {
                    H2ChangeTrigger.stopListening(path, H2ChangeTrigger.REGISTRATION, users);
                    H2ChangeTrigger.stopListening(path, H2ChangeTrigger.DAV_SUBSCRIPTION, collections);
                };
            } catch (final java.sql.SQLException e) {
                database.close();
                throw new TokenStoreException("cannot open the token store at " + description + ": "
                        + e.getMessage(), e);
            }
        }
        return new TokenStore(cache, davCache, pushQueue, transfer, java.util.List.of(cache, davCache), database,
                description + ", routing cache", changeListener);
    }

    private static String rootMessage(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
