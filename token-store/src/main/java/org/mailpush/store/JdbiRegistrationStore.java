package org.mailpush.store;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.mailpush.store.JdbiDatabase.hasSqlState;
import static org.mailpush.store.JdbiDatabase.utc;
import static org.mailpush.store.RegistrationRows.SELECT_REGISTRATIONS;
import static org.mailpush.store.RegistrationRows.collect;

/**
 * The JDBI implementation of {@link RegistrationStore}, the same SQL on H2 and PostgreSQL.
 *
 * <p>Thread-safe: every call borrows its own connection from the pool. Writes run in READ COMMITTED transactions that
 * lock the registration row they change, so two processes registering the same device cannot lose an update. Every
 * operation runs through {@link JdbiDatabase#run}, which waits out a failover.</p>
 *
 * <p>This class holds the operations (transactions, batching, username folding, the retries of a race) and the
 * reads; the SQL of the writes is {@link RegistrationWrites}, the rows are reduced to registrations by
 * {@link RegistrationRows}.</p>
 */
final class JdbiRegistrationStore implements RegistrationStore {

    private static final int IMPORT_BATCH = 1_000;

    private final JdbiDatabase database;
    private final UsernameFolding folding;
    private final RegistrationWrites writes;

    JdbiRegistrationStore(final JdbiDatabase database, final UsernameFolding folding, final int maxDevicesPerUser) {
        this.database = database;
        this.folding = folding;
        this.writes = new RegistrationWrites(maxDevicesPerUser);
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        final Registration folded = fold(registration);
        final HandleCallback<RegisterOutcome, RuntimeException> upsert = h -> writes.limitedUpsert(h, folded);
        return run("register " + folded, handle -> {
            try {
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, upsert);
            } catch (final JdbiException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                // Another process inserted the same key between our SELECT and INSERT: it exists now, update it.
                return handle.inTransaction(TransactionIsolationLevel.READ_COMMITTED, upsert);
            }
        });
    }

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
                    TransactionIsolationLevel.READ_COMMITTED, h -> writes.groupCommit(h, folded)));
        } catch (final TokenStoreException e) {
            if (!isUniqueViolation(e) && !isDeadlock(e)) {
                throw e;
            }
            return RegistrationStore.super.registerAll(registrations);
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
                                written += RegistrationWrites.insertAll(h, batch);
                                batch.clear();
                            }
                        }
                        return written + RegistrationWrites.insertAll(h, batch);
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
                            if (RegistrationWrites.upsert(h, registration, true) != null) {
                                changed++;
                            }
                        }
                        return changed;
                    }));
        }
        return written;
    }

    /** Runs {@code work} with a connection, waiting out a failover ({@link JdbiDatabase#run}). */
    private <T> T run(final String what, final HandleCallback<T, RuntimeException> work) {
        return database.run(what, work);
    }

    Registration fold(final Registration registration) {
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
