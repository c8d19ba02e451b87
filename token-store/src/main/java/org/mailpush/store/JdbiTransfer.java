package org.mailpush.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.mailpush.store.RegistrationStore.ImportMode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.mailpush.store.RegistrationRows.SELECT_REGISTRATIONS;

/**
 * Backup, restore, export and import of both tables together: the registrations and the DAV subscriptions, as
 * {@link TokenStore#exportAll} and {@link TokenStore#importAll} offer them to admin commands. An export reads both in
 * one transaction; a restore ({@link ImportMode#REPLACE}) replaces both in one transaction, so a damaged backup
 * changes neither; a merge writes batches of each, each batch in its own transaction, as the tables' own imports do.
 * Thread-safe; works on the database directly (the routing caches are the caller's to empty afterwards).
 */
final class JdbiTransfer {

    private static final int BATCH = 1_000;

    private final JdbiDatabase database;
    private final JdbiRegistrationStore registrations;
    private final JdbiDavSubscriptionStore subscriptions;

    JdbiTransfer(final JdbiDatabase database, final JdbiRegistrationStore registrations,
                 final JdbiDavSubscriptionStore subscriptions) {
        this.database = database;
        this.registrations = registrations;
        this.subscriptions = subscriptions;
    }

    /** Every registration, then every DAV subscription, each in key order, from one transaction; streaming. */
    TransferCount exportAll(final Consumer<PushTarget> sink) {
        return database.run("export registrations and DAV subscriptions", handle -> handle.inTransaction(
                TransactionIsolationLevel.REPEATABLE_READ, h -> new TransferCount(
                        RegistrationRows.stream(h.createQuery(SELECT_REGISTRATIONS
                                        + " ORDER BY r.account_id, r.device_token, m.mailbox").setFetchSize(1_000),
                                sink::accept),
                        JdbiDavSubscriptionStore.stream(h, sink::accept))));
    }

    TransferCount importAll(final Iterable<? extends PushTarget> targets, final ImportMode mode) {
        return mode == ImportMode.REPLACE ? replace(targets) : merge(targets);
    }

    private TransferCount replace(final Iterable<? extends PushTarget> targets) {
        return database.run("restore registrations and DAV subscriptions", handle -> handle.inTransaction(
                TransactionIsolationLevel.READ_COMMITTED, h -> {
                    h.createUpdate("DELETE FROM registration").execute();
                    h.createUpdate("DELETE FROM dav_subscription").execute();
                    final Batches batches = new Batches();
                    for (final PushTarget target : targets) {
                        batches.add(target);
                        if (batches.full()) {
                            batches.insert(h);
                        }
                    }
                    batches.insert(h);
                    return batches.written();
                }));
    }

    private TransferCount merge(final Iterable<? extends PushTarget> targets) {
        final Batches batches = new Batches();
        for (final PushTarget target : targets) {
            batches.add(target);
            if (batches.full()) {
                batches.merge();
            }
        }
        batches.merge();
        return batches.written();
    }

    /** What is read but not yet written, of each kind, and how many of each were written. */
    private final class Batches {
        private final List<Registration> mail = new ArrayList<>(BATCH);
        private final List<DavSubscription> dav = new ArrayList<>(BATCH);
        private long mailWritten;
        private long davWritten;

        void add(final PushTarget target) {
            if (target instanceof Registration registration) {
                mail.add(registrations.fold(registration));
            } else {
                dav.add(subscriptions.fold((DavSubscription) target));
            }
        }

        boolean full() {
            return mail.size() >= BATCH || dav.size() >= BATCH;
        }

        void insert(final Handle handle) {
            mailWritten += RegistrationWrites.insertAll(handle, mail);
            davWritten += DavSubscriptionRows.insertAll(handle, dav);
            mail.clear();
            dav.clear();
        }

        void merge() {
            if (!mail.isEmpty()) {
                mailWritten += registrations.importRegistrations(List.copyOf(mail), ImportMode.MERGE);
            }
            if (!dav.isEmpty()) {
                davWritten += subscriptions.mergeBatch(List.copyOf(dav));
            }
            mail.clear();
            dav.clear();
        }

        TransferCount written() {
            return new TransferCount(mailWritten, davWritten);
        }
    }
}
