package org.mailpush.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.mailpush.store.RegistrationStore.RegisterOutcome;
import org.mailpush.store.RegistrationStore.RegisterResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;

/**
 * The SQL that writes registrations, each method inside the caller's transaction: the one-by-one upsert (with the
 * per-user device limit), the group commit of a batch, and the inserts of a restore. {@link JdbiRegistrationStore}
 * runs them (transactions, failover, the retries of a race) and folds the usernames first. Stateless but for the
 * limit; thread-safe.
 */
final class RegistrationWrites {

    private final int maxDevicesPerUser;

    RegistrationWrites(final int maxDevicesPerUser) {
        this.maxDevicesPerUser = maxDevicesPerUser;
    }

    /** Keys (or users) per statement of a group commit: a bound on the statement's size. */
    private static final int KEYS_PER_STATEMENT = 500;

    /**
     * The group commit of {@link JdbiRegistrationStore#registerAll} (which says how it avoids deadlocks and what it
     * does when it loses a race): the results {@code batch} gets, one per registration, in order.
     */
    List<RegisterResult> groupCommit(final Handle handle, final List<Registration> batch) {
        final Map<RegistrationKey, Instant> existing = lockExisting(handle, batch);
        final Map<String, Long> devices = countDevices(handle, batch.stream()
                .filter(r -> !existing.containsKey(r.key())).map(Registration::username).distinct().toList());
        // In order, as one-by-one registering would decide; a key twice in the batch: the later one wins.
        final List<RegisterResult> results = new ArrayList<>(batch.size());
        final Map<RegistrationKey, Registration> toInsert = new LinkedHashMap<>();
        final Map<RegistrationKey, Registration> toUpdate = new LinkedHashMap<>();
        for (final Registration registration : batch) {
            final RegistrationKey key = registration.key();
            if (existing.containsKey(key) || toInsert.containsKey(key)) {
                if (toInsert.containsKey(key)) {
                    // New in this batch: insert the later values, keeping the first registration time.
                    toInsert.put(key, new Registration(registration.username(), registration.accountId(),
                            registration.deviceToken(), registration.subtopic(), registration.apsVersion(),
                            registration.mailboxes(), registration.topic(), toInsert.get(key).firstRegistered(),
                            registration.lastRegistered()));
                } else {
                    toUpdate.put(key, registration);
                }
                results.add(RegisterResult.stored(RegisterOutcome.REFRESHED));
                continue;
            }
            final long has = devices.getOrDefault(registration.username(), 0L);
            if (has >= maxDevicesPerUser) {
                results.add(RegisterResult.refusedBy(new RegistrationLimitException(registration.username(),
                        maxDevicesPerUser)));
                continue;
            }
            devices.put(registration.username(), has + 1);
            toInsert.put(key, registration);
            results.add(RegisterResult.stored(RegisterOutcome.ADDED));
        }
        if (!toInsert.isEmpty()) {
            insertAll(handle, inKeyOrder(toInsert));
        }
        if (!toUpdate.isEmpty()) {
            final PreparedBatch update = handle.prepareBatch("""
                    UPDATE registration
                       SET username = :user, subtopic = :subtopic, aps_version = :version, topic = :topic,
                           last_registered = :last
                     WHERE account_id = :account AND device_token = :token""");
            final PreparedBatch clear = handle.prepareBatch(
                    "DELETE FROM registration_mailbox WHERE account_id = :account AND device_token = :token");
            final List<Registration> updates = inKeyOrder(toUpdate);
            for (final Registration registration : updates) {
                update.bind("user", registration.username())
                        .bind("subtopic", registration.subtopic())
                        .bind("version", registration.apsVersion())
                        .bind("topic", registration.topic())
                        .bind("last", utc(micros(registration.lastRegistered())))
                        .bind("account", registration.accountId())
                        .bind("token", registration.deviceToken())
                        .add();
                clear.bind("account", registration.accountId()).bind("token", registration.deviceToken()).add();
            }
            update.execute();
            clear.execute();
            insertMailboxes(handle, updates);
        }
        return results;
    }

    /** The order in which every group commit takes its row locks (see {@link JdbiRegistrationStore#registerAll}). */
    private static final Comparator<RegistrationKey> KEY_ORDER =
            Comparator.comparing(RegistrationKey::accountId).thenComparing(RegistrationKey::deviceToken);

    private static List<Registration> inKeyOrder(final Map<RegistrationKey, Registration> byKey) {
        final List<RegistrationKey> keys = new ArrayList<>(byKey.keySet());
        keys.sort(KEY_ORDER);
        return keys.stream().map(byKey::get).toList();
    }

    /** The last-registered time of each key of {@code batch} that exists, its row locked until the commit. */
    private static Map<RegistrationKey, Instant> lockExisting(final Handle handle, final List<Registration> batch) {
        final Map<RegistrationKey, Instant> existing = new java.util.HashMap<>();
        final List<RegistrationKey> keys = batch.stream().map(Registration::key).distinct().sorted(KEY_ORDER).toList();
        for (int from = 0; from < keys.size(); from += KEYS_PER_STATEMENT) {
            final List<RegistrationKey> chunk = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_STATEMENT));
            final StringBuilder sql = new StringBuilder("SELECT account_id, device_token, last_registered FROM"
                    + " registration WHERE (account_id, device_token) IN (");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(:a").append(i).append(", :t").append(i).append(')');
            }
            final Query query = handle.createQuery(
                    sql.append(") ORDER BY account_id, device_token FOR UPDATE").toString());
            for (int i = 0; i < chunk.size(); i++) {
                query.bind("a" + i, chunk.get(i).accountId()).bind("t" + i, chunk.get(i).deviceToken());
            }
            query.map((rs, ctx) -> existing.put(new RegistrationKey(rs.getString("account_id"),
                    rs.getString("device_token")), instant(rs, "last_registered"))).list();
        }
        return existing;
    }

    /** How many devices each of {@code users} (folded) has now. */
    private static Map<String, Long> countDevices(final Handle handle, final List<String> users) {
        final Map<String, Long> counts = new java.util.HashMap<>();
        for (int from = 0; from < users.size(); from += KEYS_PER_STATEMENT) {
            final List<String> chunk = users.subList(from, Math.min(users.size(), from + KEYS_PER_STATEMENT));
            handle.createQuery("SELECT username, COUNT(*) AS devices FROM registration WHERE username IN (<users>)"
                            + " GROUP BY username")
                    .bindList("users", chunk)
                    .map((rs, ctx) -> counts.put(rs.getString("username"), rs.getLong("devices"))).list();
        }
        return counts;
    }

    /** As {@link #upsert}, refusing a new device of a user who has {@link #maxDevicesPerUser} already. */
    RegisterOutcome limitedUpsert(final Handle handle, final Registration registration) {
        return upsert(handle, registration, false, maxDevicesPerUser);
    }

    static RegisterOutcome upsert(final Handle handle, final Registration registration,
                                  final boolean onlyIfNewer) {
        return upsert(handle, registration, onlyIfNewer, Integer.MAX_VALUE);
    }

    /**
     * Inserts or updates one registration inside the caller's transaction: one statement to find (and lock) the
     * existing row, one more to count the user's devices only when the device is new.
     *
     * @param onlyIfNewer leave an existing registration alone unless {@code registration} was registered later
     * @param maxDevices  refuse a new device of a user who has this many ({@link RegistrationLimitException})
     * @return what happened; {@code null} when an existing, newer registration was kept
     */
    private static RegisterOutcome upsert(final Handle handle, final Registration registration,
                                          final boolean onlyIfNewer, final int maxDevices) {
        final Instant last = micros(registration.lastRegistered());
        final Optional<Instant> existingLast = handle.createQuery("""
                        SELECT last_registered FROM registration
                         WHERE account_id = :account AND device_token = :token FOR UPDATE""")
                .bind("account", registration.accountId())
                .bind("token", registration.deviceToken())
                .map((rs, ctx) -> instant(rs, "last_registered"))
                .findOne();
        if (existingLast.isEmpty() && maxDevices < Integer.MAX_VALUE) {
            final long devices = handle.createQuery("SELECT COUNT(*) FROM registration WHERE username = :user")
                    .bind("user", registration.username())
                    .mapTo(Long.class).one();
            if (devices >= maxDevices) {
                throw new RegistrationLimitException(registration.username(), maxDevices);
            }
        }
        final RegisterOutcome outcome;
        if (existingLast.isPresent()) {
            if (onlyIfNewer && !last.isAfter(existingLast.get())) {
                return null;
            }
            handle.createUpdate("""
                            UPDATE registration
                               SET username = :user, subtopic = :subtopic, aps_version = :version, topic = :topic,
                                   last_registered = :last
                             WHERE account_id = :account AND device_token = :token""")
                    .bind("user", registration.username())
                    .bind("subtopic", registration.subtopic())
                    .bind("version", registration.apsVersion())
                    .bind("topic", registration.topic())
                    .bind("last", utc(last))
                    .bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .execute();
            handle.createUpdate(
                    "DELETE FROM registration_mailbox WHERE account_id = :account AND device_token = :token")
                    .bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .execute();
            outcome = RegisterOutcome.REFRESHED;
        } else {
            insert(handle, registration);
            outcome = RegisterOutcome.ADDED;
        }
        insertMailboxes(handle, List.of(registration));
        return outcome;
    }

    /** One row of the registration table, by the names {@link #bindRow} binds. */
    private static final String INSERT_ROW = """
            INSERT INTO registration (account_id, device_token, username, subtopic, aps_version, topic,
                                      first_registered, last_registered)
            VALUES (:account, :token, :user, :subtopic, :version, :topic, :first, :last)""";

    private static void insert(final Handle handle, final Registration registration) {
        bindRow(handle.createUpdate(INSERT_ROW), registration).execute();
    }

    /** The registration table's columns of {@code registration}, bound by the names every insert uses. */
    private static <T extends SqlStatement<T>> T bindRow(final T statement, final Registration registration) {
        return statement.bind("account", registration.accountId())
                .bind("token", registration.deviceToken())
                .bind("user", registration.username())
                .bind("subtopic", registration.subtopic())
                .bind("version", registration.apsVersion())
                .bind("topic", registration.topic())
                .bind("first", utc(micros(registration.firstRegistered())))
                .bind("last", utc(micros(registration.lastRegistered())));
    }

    private static void insertMailboxes(final Handle handle, final List<Registration> registrations) {
        PreparedBatch batch = null;
        for (final Registration registration : registrations) {
            for (final String mailbox : registration.mailboxes()) {
                if (batch == null) {
                    batch = handle.prepareBatch("""
                            INSERT INTO registration_mailbox (account_id, device_token, mailbox)
                            VALUES (:account, :token, :mailbox)""");
                }
                batch.bind("account", registration.accountId())
                        .bind("token", registration.deviceToken())
                        .bind("mailbox", mailbox)
                        .add();
            }
        }
        if (batch != null) {
            batch.execute();
        }
    }

    static long insertAll(final Handle handle, final List<Registration> registrations) {
        if (registrations.isEmpty()) {
            return 0;
        }
        final PreparedBatch batch = handle.prepareBatch(INSERT_ROW);
        for (final Registration registration : registrations) {
            bindRow(batch, registration).add();
        }
        batch.execute();
        insertMailboxes(handle, registrations);
        return registrations.size();
    }
}
