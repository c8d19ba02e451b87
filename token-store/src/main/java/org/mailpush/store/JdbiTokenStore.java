package org.mailpush.store;

import com.zaxxer.hikari.HikariDataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The JDBI implementation of {@link TokenStore}, the same SQL on H2 and PostgreSQL.
 *
 * <p>Thread-safe: every call borrows its own connection from the pool. Writes run in READ COMMITTED transactions that
 * lock the registration row they change, so two processes registering the same device cannot lose an update.</p>
 */
final class JdbiTokenStore implements TokenStore {

    private static final String SELECT_REGISTRATIONS = """
            SELECT r.account_id, r.device_token, r.username, r.subtopic, r.aps_version, r.topic,
                   r.first_registered, r.last_registered, m.mailbox
              FROM registration r
              LEFT JOIN registration_mailbox m
                ON m.account_id = r.account_id AND m.device_token = r.device_token
            """;

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    JdbiTokenStore(final HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        return run("register " + registration, handle -> {
            try {
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> upsert(h, registration));
            } catch (final JdbiException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                // Another process inserted the same key between our SELECT and INSERT: it exists now, update it.
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> upsert(h, registration));
            }
        });
    }

    private static RegisterOutcome upsert(final Handle handle, final Registration registration) {
        final Instant now = micros(registration.lastRegistered());
        final Optional<Instant> firstRegistered = handle.createQuery("""
                        SELECT first_registered FROM registration
                         WHERE account_id = :account AND device_token = :token FOR UPDATE""")
                .bind("account", registration.accountId())
                .bind("token", registration.deviceToken())
                .map((rs, ctx) -> instant(rs, "first_registered"))
                .findOne();
        final RegisterOutcome outcome;
        if (firstRegistered.isPresent()) {
            handle.createUpdate("""
                            UPDATE registration
                               SET username = :user, subtopic = :subtopic, aps_version = :version, topic = :topic,
                                   last_registered = :now
                             WHERE account_id = :account AND device_token = :token""")
                    .bind("user", registration.username())
                    .bind("subtopic", registration.subtopic())
                    .bind("version", registration.apsVersion())
                    .bind("topic", registration.topic())
                    .bind("now", utc(now))
                    .bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .execute();
            handle.createUpdate("DELETE FROM registration_mailbox WHERE account_id = :account AND device_token = :token")
                    .bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .execute();
            outcome = RegisterOutcome.REFRESHED;
        } else {
            handle.createUpdate("""
                            INSERT INTO registration (account_id, device_token, username, subtopic, aps_version, topic,
                                                      first_registered, last_registered)
                            VALUES (:account, :token, :user, :subtopic, :version, :topic, :first, :now)""")
                    .bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .bind("user", registration.username())
                    .bind("subtopic", registration.subtopic())
                    .bind("version", registration.apsVersion())
                    .bind("topic", registration.topic())
                    .bind("first", utc(micros(registration.firstRegistered())))
                    .bind("now", utc(now))
                    .execute();
            outcome = RegisterOutcome.ADDED;
        }
        if (!registration.mailboxes().isEmpty()) {
            final PreparedBatch batch = handle.prepareBatch("""
                    INSERT INTO registration_mailbox (account_id, device_token, mailbox)
                    VALUES (:account, :token, :mailbox)""");
            for (final String mailbox : registration.mailboxes()) {
                batch.bind("account", registration.accountId())
                        .bind("token", registration.deviceToken())
                        .bind("mailbox", mailbox)
                        .add();
            }
            batch.execute();
        }
        return outcome;
    }

    @Override
    public List<Registration> registrationsWatching(final String username, final String mailbox) {
        final String wanted = MailboxNames.normalize(mailbox);
        return registrationsOf(username).stream().filter(r -> r.mailboxes().contains(wanted)).toList();
    }

    @Override
    public List<Registration> registrationsOf(final String username) {
        return run("look up the registrations of a user", handle -> collect(handle
                .createQuery(SELECT_REGISTRATIONS + " WHERE r.username = :user ORDER BY r.account_id, r.device_token")
                .bind("user", username)));
    }

    @Override
    public Optional<Registration> find(final RegistrationKey key) {
        return run("find " + key, handle -> collect(handle
                .createQuery(SELECT_REGISTRATIONS + " WHERE r.account_id = :account AND r.device_token = :token")
                .bind("account", key.accountId())
                .bind("token", key.deviceToken())).stream().findFirst());
    }

    @Override
    public boolean removeUnlessRegisteredAfter(final RegistrationKey key, final Instant invalidatedAt) {
        return run("remove " + key, handle -> handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> h
                .createUpdate("""
                        DELETE FROM registration
                         WHERE account_id = :account AND device_token = :token AND last_registered <= :invalidated""")
                .bind("account", key.accountId())
                .bind("token", key.deviceToken())
                .bind("invalidated", utc(invalidatedAt))
                .execute() > 0));
    }

    @Override
    public long count() {
        return run("count registrations", handle ->
                handle.createQuery("SELECT COUNT(*) FROM registration").mapTo(Long.class).one());
    }

    @Override
    public boolean isReachable() {
        try {
            return jdbi.withHandle(handle -> handle.getConnection().isValid(2));
        } catch (final SQLException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private <T> T run(final String what, final Function<Handle, T> work) {
        try {
            return jdbi.withHandle(work::apply);
        } catch (final JdbiException e) {
            throw new TokenStoreException("token store could not " + what + ": " + e.getMessage(), e);
        }
    }

    private static List<Registration> collect(final org.jdbi.v3.core.statement.Query query) {
        final Map<RegistrationKey, Row> rows = new LinkedHashMap<>();
        query.map((rs, ctx) -> {
            final RegistrationKey key = new RegistrationKey(rs.getString("account_id"), rs.getString("device_token"));
            Row row = rows.get(key);
            if (row == null) {
                row = new Row(rs);
                rows.put(key, row);
            }
            final String mailbox = rs.getString("mailbox");
            if (mailbox != null) {
                row.mailboxes.add(mailbox);
            }
            return key;
        }).list();
        final List<Registration> result = new ArrayList<>(rows.size());
        for (final Row row : rows.values()) {
            result.add(row.toRegistration());
        }
        return result;
    }

    private static boolean isUniqueViolation(final Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static Instant micros(final Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    private static OffsetDateTime utc(final Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(final ResultSet rs, final String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    /** One registration row being assembled from the joined result set. */
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

        Row(final ResultSet rs) throws SQLException {
            accountId = rs.getString("account_id");
            deviceToken = rs.getString("device_token");
            username = rs.getString("username");
            subtopic = rs.getString("subtopic");
            apsVersion = rs.getInt("aps_version");
            topic = rs.getString("topic");
            firstRegistered = instant(rs, "first_registered");
            lastRegistered = instant(rs, "last_registered");
        }

        Registration toRegistration() {
            return new Registration(username, accountId, deviceToken, subtopic, apsVersion, mailboxes, topic,
                    firstRegistered, lastRegistered);
        }
    }
}
