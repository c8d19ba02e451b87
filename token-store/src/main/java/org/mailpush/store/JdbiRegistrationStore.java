package org.mailpush.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.mailpush.store.JdbiDatabase.hasSqlState;
import static org.mailpush.store.JdbiDatabase.instant;
import static org.mailpush.store.JdbiDatabase.micros;
import static org.mailpush.store.JdbiDatabase.utc;
import static org.mailpush.store.RegistrationRows.SELECT_REGISTRATIONS;
import static org.mailpush.store.RegistrationRows.collect;

/**
 * The JDBI implementation of {@link RegistrationStore}, the same SQL on H2 and PostgreSQL.
 *
 * <p>Thread-safe: every call borrows its own connection from the pool. Writes run in READ COMMITTED transactions that
 * lock the registration row they change, so two processes registering the same device cannot lose an update. Every
 * operation runs through {@link JdbiDatabase#run}, which waits out a failover.</p>
 */
final class JdbiRegistrationStore implements RegistrationStore {

    private static final int IMPORT_BATCH = 1_000;

    private final JdbiDatabase database;
    private final UsernameFolding folding;
    private final int maxDevicesPerUser;

    JdbiRegistrationStore(final JdbiDatabase database, final UsernameFolding folding, final int maxDevicesPerUser) {
        this.database = database;
        this.folding = folding;
        this.maxDevicesPerUser = maxDevicesPerUser;
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        final Registration folded = fold(registration);
        return run("register " + folded, handle -> {
            try {
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> limitedUpsert(h, folded));
            } catch (final JdbiException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                // Another process inserted the same key between our SELECT and INSERT: it exists now, update it.
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> limitedUpsert(h, folded));
            }
        });
    }

    /** Keys (or users) per statement of a group commit: a bound on the statement's size. */
    private static final int KEYS_PER_STATEMENT = 500;

    /**
     * Stores several registrations in one transaction (one commit for all), each as {@link #register} would, with a
     * handful of statements for the whole batch rather than several per registration: one to find (and lock) the
     * rows that exist, one to count the devices of the users with new ones, then batched inserts, updates and
     * mailbox rows. Rows are locked, inserted and updated in key order, so two processes committing overlapping
     * batches wait for each other instead of deadlocking. If another process inserted one of the same keys meanwhile
     * (a unique violation aborts the transaction), or the database still chose this transaction as a deadlock's
     * victim, they are stored again one by one, each of which handles that race.
     */
    @Override
    public List<RegisterResult> registerAll(final List<Registration> registrations) {
        if (registrations.size() < 2) {
            return RegistrationStore.super.registerAll(registrations);
        }
        final List<Registration> folded = registrations.stream().map(this::fold).toList();
        try {
            return run("register " + folded.size() + " devices", handle -> handle.inTransaction(
                    TransactionIsolationLevel.READ_COMMITTED, h -> groupCommit(h, folded)));
        } catch (final TokenStoreException e) {
            if (!isUniqueViolation(e) && !isDeadlock(e)) {
                throw e;
            }
            return RegistrationStore.super.registerAll(registrations);
        }
    }

    private List<RegisterResult> groupCommit(final Handle handle, final List<Registration> batch) {
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

    /** The order in which every group commit takes its row locks (see {@link #registerAll}). */
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
    private RegisterOutcome limitedUpsert(final Handle handle, final Registration registration) {
        return upsert(handle, registration, false, maxDevicesPerUser);
    }

    private static RegisterOutcome upsert(final Handle handle, final Registration registration,
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
            handle.createUpdate("DELETE FROM registration_mailbox WHERE account_id = :account AND device_token = :token")
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

    private static void insert(final Handle handle, final Registration registration) {
        handle.createUpdate("""
                        INSERT INTO registration (account_id, device_token, username, subtopic, aps_version, topic,
                                                  first_registered, last_registered)
                        VALUES (:account, :token, :user, :subtopic, :version, :topic, :first, :last)""")
                .bind("account", registration.accountId())
                .bind("token", registration.deviceToken())
                .bind("user", registration.username())
                .bind("subtopic", registration.subtopic())
                .bind("version", registration.apsVersion())
                .bind("topic", registration.topic())
                .bind("first", utc(micros(registration.firstRegistered())))
                .bind("last", utc(micros(registration.lastRegistered())))
                .execute();
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

    /** Users looked up per query by {@link #registrationsOfUsers}: a bound on the statement's size. */
    private static final int USERS_PER_QUERY = 500;

    @Override
    public Map<String, List<Registration>> registrationsOfUsers(final java.util.Collection<String> usernames) {
        final Map<String, List<String>> asPassed = new LinkedHashMap<>();
        for (final String username : usernames) {
            asPassed.computeIfAbsent(folding.fold(username), folded -> new ArrayList<>(1)).add(username);
        }
        final Map<String, List<Registration>> result = new java.util.HashMap<>();
        final List<String> folded = new ArrayList<>(asPassed.keySet());
        for (int from = 0; from < folded.size(); from += USERS_PER_QUERY) {
            final List<String> chunk = folded.subList(from, Math.min(folded.size(), from + USERS_PER_QUERY));
            final List<Registration> found = run("look up the registrations of " + chunk.size() + " users",
                    // One array parameter, not a list of them: the same statement for every batch size (prepared
                    // once, planned once on PostgreSQL), and H2 looks the array's values up in a set.
                    handle -> collect(handle.createQuery(SELECT_REGISTRATIONS
                                    + " WHERE r.username = ANY(:users)"
                                    + " ORDER BY r.username, r.account_id, r.device_token")
                            .bindArray("users", String.class, chunk)));
            final Map<String, List<Registration>> byUser = new java.util.HashMap<>();
            for (final Registration registration : found) {
                byUser.computeIfAbsent(registration.username(), u -> new ArrayList<>()).add(registration);
            }
            for (final String user : chunk) {
                final List<Registration> mine = byUser.getOrDefault(user, List.of());
                for (final String name : asPassed.get(user)) {
                    result.put(name, mine);
                }
            }
        }
        return result;
    }

    @Override
    public String foldUsername(final String username) {
        return folding.fold(username);
    }

    /** Hands every username that has a registration to {@code sink}, once each (for the routing cache's index). */
    long forEachRegisteredUser(final Consumer<String> sink) {
        return run("list the users with registrations", handle -> handle
                .createQuery("SELECT DISTINCT username FROM registration")
                .setFetchSize(10_000)
                .scanResultSet((supplier, ctx) -> {
                    final ResultSet rs = supplier.get();
                    long users = 0;
                    while (rs.next()) {
                        sink.accept(rs.getString(1));
                        users++;
                    }
                    return users;
                }));
    }

    @Override
    public List<Registration> registrationsOf(final String username) {
        final String user = folding.fold(username);
        return run("look up the registrations of a user", handle -> collect(handle
                .createQuery(SELECT_REGISTRATIONS + " WHERE r.username = :user ORDER BY r.account_id, r.device_token")
                .bind("user", user)));
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
    public int remove(final String username, final String deviceToken) {
        final String user = folding.fold(username);
        return run("remove registrations of a user", handle -> handle.inTransaction(
                TransactionIsolationLevel.READ_COMMITTED, h -> deviceToken == null
                        ? h.createUpdate("DELETE FROM registration WHERE username = :user").bind("user", user).execute()
                        : h.createUpdate("DELETE FROM registration WHERE username = :user AND device_token = :token")
                        .bind("user", user).bind("token", deviceToken.toLowerCase(java.util.Locale.ROOT))
                        .execute()));
    }

    @Override
    public int expireRegisteredBefore(final Instant cutoff) {
        return run("expire old registrations", handle -> handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED,
                h -> h.createUpdate("DELETE FROM registration WHERE last_registered < :cutoff")
                        .bind("cutoff", utc(cutoff))
                        .execute()));
    }

    @Override
    public long count() {
        return run("count registrations", handle ->
                handle.createQuery("SELECT COUNT(*) FROM registration").mapTo(Long.class).one());
    }

    @Override
    public long export(final Consumer<Registration> sink) {
        // Streamed, not collected: an export of any size holds one registration at a time.
        return run("export registrations", handle -> handle.inTransaction(TransactionIsolationLevel.REPEATABLE_READ,
                h -> RegistrationRows.stream(h.createQuery(SELECT_REGISTRATIONS
                                + " ORDER BY r.account_id, r.device_token, m.mailbox")
                        .setFetchSize(1_000), sink)));
    }

    @Override
    public long importRegistrations(final Iterable<Registration> registrations, final ImportMode mode) {
        if (mode == ImportMode.REPLACE) {
            return run("restore registrations", handle -> handle.inTransaction(
                    TransactionIsolationLevel.READ_COMMITTED, h -> {
                        h.createUpdate("DELETE FROM registration").execute();
                        long written = 0;
                        final List<Registration> batch = new ArrayList<>(IMPORT_BATCH);
                        for (final Registration registration : registrations) {
                            batch.add(fold(registration));
                            if (batch.size() == IMPORT_BATCH) {
                                written += insertAll(h, batch);
                                batch.clear();
                            }
                        }
                        return written + insertAll(h, batch);
                    }));
        }
        long written = 0;
        final Iterator<Registration> iterator = registrations.iterator();
        while (iterator.hasNext()) {
            final List<Registration> batch = new ArrayList<>(IMPORT_BATCH);
            while (iterator.hasNext() && batch.size() < IMPORT_BATCH) {
                batch.add(fold(iterator.next()));
            }
            written += run("import registrations", handle -> handle.inTransaction(
                    TransactionIsolationLevel.READ_COMMITTED, h -> {
                        long changed = 0;
                        for (final Registration registration : batch) {
                            if (upsert(h, registration, true) != null) {
                                changed++;
                            }
                        }
                        return changed;
                    }));
        }
        return written;
    }

    private static long insertAll(final Handle handle, final List<Registration> registrations) {
        if (registrations.isEmpty()) {
            return 0;
        }
        final PreparedBatch batch = handle.prepareBatch("""
                INSERT INTO registration (account_id, device_token, username, subtopic, aps_version, topic,
                                          first_registered, last_registered)
                VALUES (:account, :token, :user, :subtopic, :version, :topic, :first, :last)""");
        for (final Registration registration : registrations) {
            batch.bind("account", registration.accountId())
                    .bind("token", registration.deviceToken())
                    .bind("user", registration.username())
                    .bind("subtopic", registration.subtopic())
                    .bind("version", registration.apsVersion())
                    .bind("topic", registration.topic())
                    .bind("first", utc(micros(registration.firstRegistered())))
                    .bind("last", utc(micros(registration.lastRegistered())))
                    .add();
        }
        batch.execute();
        insertMailboxes(handle, registrations);
        return registrations.size();
    }

    /** Runs {@code work} with a connection, waiting out a failover ({@link JdbiDatabase#run}). */
    private <T> T run(final String what, final HandleCallback<T, RuntimeException> work) {
        return database.run(what, work);
    }

    private Registration fold(final Registration registration) {
        final String user = folding.fold(registration.username());
        return user.equals(registration.username()) ? registration
                : new Registration(user, registration.accountId(), registration.deviceToken(), registration.subtopic(),
                registration.apsVersion(), registration.mailboxes(), registration.topic(),
                registration.firstRegistered(), registration.lastRegistered());
    }

    /** PostgreSQL's deadlock_detected: the transaction was rolled back to break a cycle of waits. */
    private static boolean isDeadlock(final Throwable error) {
        return hasSqlState(error, "40P01");
    }

    private static boolean isUniqueViolation(final Throwable error) {
        return hasSqlState(error, "23505");
    }
}
