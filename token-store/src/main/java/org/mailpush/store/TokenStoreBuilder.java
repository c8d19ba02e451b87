package org.mailpush.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import java.time.Duration;
import java.util.Objects;

/**
 * Builds a {@link TokenStore} from a JDBC URL. The engine follows from the URL alone: {@code jdbc:h2:file:...} (the
 * default, nothing to install) or {@code jdbc:postgresql://...}. The schema is created or upgraded by Flyway before
 * {@link #build()} returns, so a store that builds is ready to use.
 */
public final class TokenStoreBuilder {

    /** Used when the configuration names no store. */
    public static final String DEFAULT_URL = "jdbc:h2:file:./data/tokens";

    private String url = DEFAULT_URL;
    private String username;
    private String password;
    private int maxConnections = 4;
    private Duration connectionTimeout = Duration.ofSeconds(5);

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

    /** How long an operation waits for a database connection before it fails. */
    public TokenStoreBuilder connectionTimeout(final Duration timeout) {
        this.connectionTimeout = timeout;
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
        final StoreEngine engine = StoreEngine.forUrl(url);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, not " + maxConnections);
        }
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("connectionTimeout must be at least 250 ms");
        }

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
            throw new TokenStoreException("cannot open the token store at " + engine.describe(url) + ": "
                    + rootMessage(e), e);
        }
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (final FlywayException e) {
            dataSource.close();
            throw new TokenStoreException("cannot migrate the token store schema at " + engine.describe(url) + ": "
                    + rootMessage(e), e);
        }
        return new JdbiTokenStore(dataSource);
    }

    private static String rootMessage(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
