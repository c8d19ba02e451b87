package org.mailpush.store;

import org.jdbi.v3.core.result.LinkedHashMapRowReducer;
import org.jdbi.v3.core.result.ResultBearing;
import org.jdbi.v3.core.result.RowView;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.mailpush.store.JdbiDatabase.instant;

/**
 * Registrations read back from {@link #SELECT_REGISTRATIONS}: one row per (registration, mailbox), a registration
 * without mailboxes as one row with a {@code null} mailbox, reduced to {@link Registration}s with Jdbi's row
 * reducers. {@link #collect} keeps the rows of each registration in a {@link LinkedHashMapRowReducer};
 * {@link #stream} hands each registration on as soon as its rows are read, for exports of any size.
 */
final class RegistrationRows {

    /** The rows; the caller adds WHERE and ORDER BY. */
    static final String SELECT_REGISTRATIONS = """
            SELECT r.account_id, r.device_token, r.username, r.subtopic, r.aps_version, r.topic,
                   r.first_registered, r.last_registered, m.mailbox
              FROM registration r
              LEFT JOIN registration_mailbox m
                ON m.account_id = r.account_id AND m.device_token = r.device_token
            """;

    /** Each registration's rows, wherever they come in the result, in the order registrations first appear. */
    private static final LinkedHashMapRowReducer<RegistrationKey, Row> BY_KEY = (byKey, row) ->
            byKey.computeIfAbsent(key(row), key -> row.getRow(Row::new)).add(row);

    private RegistrationRows() {
    }

    /** The registrations of the rows, in the order they first appear. */
    static List<Registration> collect(final ResultBearing rows) {
        return rows.reduceRows(BY_KEY).map(Row::registration).toList();
    }

    /**
     * Hands the registrations of rows ordered by key to {@code sink} one by one, while reading: only the registration
     * being read is held (Jdbi's {@code reduceRows} with a seed folds row by row, it keeps no container).
     *
     * @return how many were handed over
     */
    static long stream(final ResultBearing rowsInKeyOrder, final Consumer<Registration> sink) {
        return rowsInKeyOrder.reduceRows(new Streamed(sink), Streamed::add).finish();
    }

    private static RegistrationKey key(final RowView row) {
        return new RegistrationKey(row.getColumn("account_id", String.class),
                row.getColumn("device_token", String.class));
    }

    /** The state of {@link #stream}: the registration being read; it is complete when a row of the next one comes. */
    private static final class Streamed {
        private final Consumer<Registration> sink;
        private RegistrationKey currentKey;
        private Row current;
        private long count;

        Streamed(final Consumer<Registration> sink) {
            this.sink = sink;
        }

        Streamed add(final RowView row) {
            final RegistrationKey key = key(row);
            if (!key.equals(currentKey)) {
                finish();
                currentKey = key;
                current = row.getRow(Row::new);
            }
            current.add(row);
            return this;
        }

        /** Hands on the registration being read, if any; returns how many were handed on. */
        long finish() {
            if (current != null) {
                sink.accept(current.registration());
                count++;
                current = null;
                currentKey = null;
            }
            return count;
        }
    }

    /** One registration being assembled from its rows. */
    private static final class Row {
        private final String accountId;
        private final String deviceToken;
        private final String username;
        private final String subtopic;
        private final int apsVersion;
        private final String topic;
        private final Instant firstRegistered;
        private final Instant lastRegistered;
        private final Set<String> mailboxes = new LinkedHashSet<>();

        /** A row mapper ({@link RowView#getRow}): the registration's columns of the current row. */
        Row(final ResultSet rs, final StatementContext ctx) throws SQLException {
            accountId = rs.getString("account_id");
            deviceToken = rs.getString("device_token");
            username = rs.getString("username");
            subtopic = rs.getString("subtopic");
            apsVersion = rs.getInt("aps_version");
            topic = rs.getString("topic");
            firstRegistered = instant(rs, "first_registered");
            lastRegistered = instant(rs, "last_registered");
        }

        /** Adds the mailbox of a row of this registration ({@code null} for a registration without mailboxes). */
        void add(final RowView row) {
            final String mailbox = row.getColumn("mailbox", String.class);
            if (mailbox != null) {
                mailboxes.add(mailbox);
            }
        }

        Registration registration() {
            return new Registration(username, accountId, deviceToken, subtopic, apsVersion, mailboxes, topic,
                    firstRegistered, lastRegistered);
        }
    }
}
