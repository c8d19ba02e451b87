package org.mailpush.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The real PostgreSQL the tests use: by default {@code jdbc:postgresql://127.0.0.1:5432/mailpush_test} as role
 * {@code mailpush} (password {@code mailpush}), as {@code .ci/run} sets it up; {@code MAILPUSH_TEST_PG_URL},
 * {@code MAILPUSH_TEST_PG_USER} and {@code MAILPUSH_TEST_PG_PASSWORD} point elsewhere. Each test gets its own schema,
 * dropped afterwards. When the server is not there the tests fail, naming what to start.
 */
public final class PostgresTestDatabase implements AutoCloseable {

    public static final String URL = env("MAILPUSH_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/mailpush_test");
    public static final String USER = env("MAILPUSH_TEST_PG_USER", "mailpush");
    public static final String PASSWORD = env("MAILPUSH_TEST_PG_PASSWORD", "mailpush");

    private final String schema;

    private PostgresTestDatabase(final String schema) {
        this.schema = schema;
    }

    /** Creates a fresh schema. */
    public static PostgresTestDatabase create() {
        final String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute("CREATE SCHEMA " + schema);
        return new PostgresTestDatabase(schema);
    }

    /** The JDBC URL of this test's schema. */
    public String url() {
        return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public TokenStoreBuilder storeBuilder() {
        return new TokenStoreBuilder().url(url()).credentials(USER, PASSWORD);
    }

    @Override
    public void close() {
        execute("DROP SCHEMA " + schema + " CASCADE");
    }

    private static void execute(final String sql) {
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (final SQLException e) {
            throw new AssertionError("PostgreSQL is needed for this test and is not usable at " + URL + " as " + USER
                    + " (" + e.getMessage() + "). Start it and create the role and database as .ci/run does.", e);
        }
    }

    private static String env(final String name, final String defaultValue) {
        final String value = System.getenv(name);
        return value == null || value.isBlank() ? defaultValue : value;
    }
}
