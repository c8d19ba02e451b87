package org.mailpush.store;

import org.h2.api.Trigger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * H2's counterpart of PostgreSQL's NOTIFY trigger (migration {@code h2/V2}): H2 calls it inside the process that
 * runs the database for every changed registration row, whichever process made the change (admin commands connect
 * through H2's auto-server). It tells the routing cache registered for that database which user changed.
 *
 * <p>H2 fires triggers before the commit, so a lookup racing an uncommitted change from another process could cache
 * the old rows; the cache's maximum age bounds that. Public only because H2 instantiates it by name.</p>
 */
public final class H2ChangeTrigger implements Trigger {

    /**
     * The routing caches on each database, several when several stores in one process use it (the service and an
     * admin command run in the same JVM): each is told, and each stops listening on its own.
     */
    private static final Map<String, java.util.Set<Consumer<String>>> LISTENERS = new ConcurrentHashMap<>();

    private String database;
    private int usernameColumn = -1;

    /** Tells {@code listener} about changes to the database named by {@link #databasePath}. */
    static void listen(final String databasePath, final Consumer<String> listener) {
        LISTENERS.computeIfAbsent(databasePath, path -> new java.util.concurrent.CopyOnWriteArraySet<>())
                .add(listener);
    }

    static void stopListening(final String databasePath, final Consumer<String> listener) {
        LISTENERS.computeIfPresent(databasePath, (path, listeners) -> {
            listeners.remove(listener);
            return listeners.isEmpty() ? null : listeners;
        });
    }

    /**
     * Which database an open connection is on: H2's DATABASE_PATH() for a file database; for an in-memory one, which
     * has no path (NULL), {@code mem:} and its name, the same for every connection to it in this JVM.
     */
    static String databasePath(final Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT COALESCE(DATABASE_PATH(), 'mem:' || DATABASE())")) {
            result.next();
            return result.getString(1);
        }
    }

    @Override
    public void init(final Connection connection, final String schemaName, final String triggerName,
                     final String tableName, final boolean before, final int type) throws SQLException {
        database = databasePath(connection);
        try (Statement statement = connection.createStatement();
             ResultSet columns = statement.executeQuery("SELECT ORDINAL_POSITION FROM INFORMATION_SCHEMA.COLUMNS"
                     + " WHERE TABLE_NAME = 'REGISTRATION' AND COLUMN_NAME = 'USERNAME'")) {
            if (columns.next()) {
                usernameColumn = columns.getInt(1) - 1;
            }
        }
    }

    @Override
    public void fire(final Connection connection, final Object[] oldRow, final Object[] newRow) {
        final java.util.Set<Consumer<String>> listeners = database == null ? null : LISTENERS.get(database);
        if (listeners == null || usernameColumn < 0) {
            return;
        }
        for (final Consumer<String> listener : listeners) {
            if (oldRow != null) {
                listener.accept(String.valueOf(oldRow[usernameColumn]));
            }
            if (newRow != null) {
                listener.accept(String.valueOf(newRow[usernameColumn]));
            }
        }
    }
}
