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
 * H2's counterpart of PostgreSQL's NOTIFY triggers (migrations {@code h2/V2} and {@code h2/V5}): H2 calls it inside
 * the process that runs the database for every changed registration or DAV subscription row, whichever process made
 * the change (admin commands connect through H2's auto-server). It tells the routing caches registered for that
 * database and table what changed: the user of a registration, the collection id of a DAV subscription.
 *
 * <p>H2 fires triggers before the commit, so a lookup racing an uncommitted change from another process could cache
 * the old rows; the cache's maximum age bounds that. Public only because H2 instantiates it by name.</p>
 */
public final class H2ChangeTrigger implements Trigger {

    /** The registration table: its listeners are told the username of each changed row. */
    static final String REGISTRATION = "REGISTRATION";
    /** The DAV subscription table: its listeners are told the collection id of each changed row. */
    static final String DAV_SUBSCRIPTION = "DAV_SUBSCRIPTION";
    /** Which column of each table names what changed. */
    private static final Map<String, String> REPORTED_COLUMN = Map.of(REGISTRATION, "USERNAME",
            DAV_SUBSCRIPTION, "COLLECTION_ID");

    /**
     * The routing caches on each database and table (keyed by {@link #listenerKey}), several when several stores in
     * one process use it (the service and an admin command run in the same JVM): each is told, and each stops
     * listening on its own.
     */
    private static final Map<String, java.util.Set<Consumer<String>>> LISTENERS = new ConcurrentHashMap<>();

    private String listenerKey;
    private int reportedColumn = -1;

    /**
     * Tells {@code listener} about changes to {@code table} ({@link #REGISTRATION} or {@link #DAV_SUBSCRIPTION}) of
     * the database named by {@link #databasePath}.
     */
    static void listen(final String databasePath, final String table, final Consumer<String> listener) {
        LISTENERS.computeIfAbsent(listenerKey(databasePath, table),
                key -> new java.util.concurrent.CopyOnWriteArraySet<>()).add(listener);
    }

    static void stopListening(final String databasePath, final String table, final Consumer<String> listener) {
        LISTENERS.computeIfPresent(listenerKey(databasePath, table), (key, listeners) -> {
            listeners.remove(listener);
            return listeners.isEmpty() ? null : listeners;
        });
    }

    private static String listenerKey(final String databasePath, final String table) {
        return databasePath + '\0' + table;
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
        final String table = tableName.toUpperCase(java.util.Locale.ROOT);
        final String column = REPORTED_COLUMN.get(table);
        if (column == null) {
            return; // not a table a routing cache follows: fire() does nothing
        }
        listenerKey = listenerKey(databasePath(connection), table);
        try (java.sql.PreparedStatement statement = connection.prepareStatement("SELECT ORDINAL_POSITION FROM"
                + " INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = ? AND COLUMN_NAME = ?")) {
            statement.setString(1, table);
            statement.setString(2, column);
            try (ResultSet columns = statement.executeQuery()) {
                if (columns.next()) {
                    reportedColumn = columns.getInt(1) - 1;
                }
            }
        }
    }

    @Override
    public void fire(final Connection connection, final Object[] oldRow, final Object[] newRow) {
        final java.util.Set<Consumer<String>> listeners = listenerKey == null ? null : LISTENERS.get(listenerKey);
        if (listeners == null || reportedColumn < 0) {
            return;
        }
        for (final Consumer<String> listener : listeners) {
            if (oldRow != null) {
                listener.accept(String.valueOf(oldRow[reportedColumn]));
            }
            if (newRow != null) {
                listener.accept(String.valueOf(newRow[reportedColumn]));
            }
        }
    }
}
