package org.mailpush.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStoreException;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The registrations with their lifecycle counted: added, refreshed, expired, removed because APNs said so, revoked
 * by an admin; and the store's failures by operation ({@link #measured}, which {@link MeteredPushQueue} shares).
 * Every intake door and the pusher use the registrations through this, so the counts cover them all. It also keeps
 * the number of registrations: counted by {@link #recount()} and kept current between counts from this process's
 * own changes (another process's changes, e.g. an admin's {@code tokens revoke}, show at the next count).
 * {@link #registrationsWatching} is the interface's own (a filter of {@link #registrationsOf}, measured there).
 * Thread-safe as the store it wraps.
 */
public final class MeteredRegistrationStore implements RegistrationStore {

    private final RegistrationStore store;
    private final MeterRegistry registry;
    private final Counter added;
    private final Counter refreshed;
    private final Counter expired;
    private final Counter removedByApns;
    private final Counter revoked;
    private final java.util.concurrent.atomic.AtomicLong registrations = new java.util.concurrent.atomic.AtomicLong(-1);

    public MeteredRegistrationStore(final RegistrationStore store, final MeterRegistry registry) {
        this.store = store;
        this.registry = registry;
        this.added = changes("added", "a device registered for the first time");
        this.refreshed = changes("refreshed", "a device registered again (devices do so at least daily)");
        this.expired = changes("expired", "not renewed for store.expire-after");
        this.removedByApns = changes("removed_by_apns", "APNs said the device token is no longer valid");
        this.revoked = changes("revoked", "removed by an admin (tokens revoke)");
    }

    private Counter changes(final String change, final String description) {
        return Counter.builder("mailpush_registration_changes").tag("change", change).description(description)
                .register(registry);
    }

    private <T> T measured(final String operation, final Supplier<T> call) {
        return measured(registry, operation, call);
    }

    /** Runs {@code call}, counting a {@link TokenStoreException} in {@code mailpush_store_errors} by operation. */
    static <T> T measured(final MeterRegistry registry, final String operation, final Supplier<T> call) {
        try {
            return call.get();
        } catch (final TokenStoreException e) {
            registry.counter("mailpush_store_errors", "operation", operation).increment();
            throw e;
        }
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        final RegisterOutcome outcome = measured("register", () -> store.register(registration));
        if (outcome == RegisterOutcome.ADDED) {
            added.increment();
            adjust(1);
        } else {
            refreshed.increment();
        }
        return outcome;
    }

    @Override
    public List<RegisterResult> registerAll(final List<Registration> registrations) {
        final List<RegisterResult> results = measured("register", () -> store.registerAll(registrations));
        for (final RegisterResult result : results) {
            if (result.outcome() == RegisterOutcome.ADDED) {
                added.increment();
                adjust(1);
            } else if (result.outcome() == RegisterOutcome.REFRESHED) {
                refreshed.increment();
            }
        }
        return results;
    }

    @Override
    public java.util.Map<String, List<Registration>> registrationsOfUsers(
            final java.util.Collection<String> usernames) {
        return measured("lookup", () -> store.registrationsOfUsers(usernames));
    }

    @Override
    public String foldUsername(final String username) {
        return store.foldUsername(username);
    }

    @Override
    public List<Registration> registrationsOf(final String username) {
        return measured("lookup", () -> store.registrationsOf(username));
    }

    @Override
    public Optional<Registration> find(final RegistrationKey key) {
        return measured("lookup", () -> store.find(key));
    }

    @Override
    public boolean removeUnlessRegisteredAfter(final RegistrationKey key, final Instant invalidatedAt) {
        final boolean removed = measured("remove", () -> store.removeUnlessRegisteredAfter(key, invalidatedAt));
        if (removed) {
            removedByApns.increment();
            adjust(-1);
        }
        return removed;
    }

    @Override
    public int remove(final String username, final String deviceToken) {
        final int removed = measured("remove", () -> store.remove(username, deviceToken));
        revoked.increment(removed);
        adjust(-removed);
        return removed;
    }

    @Override
    public int expireRegisteredBefore(final Instant cutoff) {
        final int removed = measured("expire", () -> store.expireRegisteredBefore(cutoff));
        expired.increment(removed);
        adjust(-removed);
        return removed;
    }

    @Override
    public long count() {
        return measured("count", store::count);
    }

    @Override
    public long export(final Consumer<Registration> sink) {
        return measured("export", () -> store.export(sink));
    }

    @Override
    public long importRegistrations(final Iterable<Registration> registrations, final ImportMode mode) {
        final long written = measured("import", () -> store.importRegistrations(registrations, mode));
        recount();
        return written;
    }

    /** Counts the registrations in the store now; on failure keeps the last number (and counts the error). */
    public void recount() {
        try {
            registrations.set(count());
        } catch (final RuntimeException e) {
            // A store error (counted by count()) or a store being closed: the gauge keeps its last value.
        }
    }

    /** The number of registrations as of the last count and this process's changes since; -1 before a count. */
    public long registrations() {
        return registrations.get();
    }

    private void adjust(final long delta) {
        registrations.getAndUpdate(n -> n < 0 ? n : Math.max(0, n + delta));
    }
}
