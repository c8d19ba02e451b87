package org.mailpush.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Interner;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps each user's registrations in memory so that routing an event costs no database round trip, and knows which
 * users have none ({@link KnownUsers}) so that mail for them costs none either. A decorator of the registrations
 * only: what it does not cache ({@link #find}, {@link #count}, {@link #export}) it passes on.
 *
 * <p>Correctness: an entry is dropped after every write through this store (after the commit), and when another
 * process sharing the database changes that user's rows ({@link #invalidate}, fed by PostgreSQL's LISTEN/NOTIFY,
 * which delivers at commit). A load that read the old rows and finishes after the drop cannot survive it: Caffeine
 * waits for a load in progress before removing its key. If notifications may have been missed (the listening
 * connection broke), {@link #invalidateAll} empties the cache. Entries also expire after {@code maxAge}, a bound on
 * staleness if everything else failed. A batch lookup ({@link #registrationsOfUsers}) loads what is missing in one
 * query and keeps it only if nothing was invalidated while the query ran. Thread-safe.</p>
 */
final class CachingRegistrationStore implements RegistrationStore, RoutingCache {

    private final RegistrationStore delegate;
    private final UsernameFolding folding;
    private final Cache<String, List<Registration>> byUser;
    private final Interner<Set<String>> mailboxSets = Interner.newWeakInterner();
    private final Interner<String> strings = Interner.newWeakInterner();
    private final KnownUsers known;
    private final boolean indexed;
    /** Counts invalidations, so that a batch load can tell whether one came while it read the database. */
    private final java.util.concurrent.atomic.AtomicLong invalidations = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.LongAdder knownAbsent = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param knownUsers reads the users with registrations ({@code null}: no index, every miss is a query)
     * @param maxKnownUsers the most users with devices the index holds
     */
    CachingRegistrationStore(final RegistrationStore delegate, final UsernameFolding folding, final long maxUsers,
                             final Duration maxAge, final KnownUsers.Loader knownUsers, final long maxKnownUsers) {
        this.delegate = delegate;
        this.folding = folding;
        this.byUser = Caffeine.newBuilder().maximumSize(maxUsers).expireAfterWrite(maxAge).recordStats().build();
        this.indexed = knownUsers != null;
        this.known = new KnownUsers(indexed ? knownUsers : sink -> {
        }, maxKnownUsers);
        if (indexed) {
            known.reload();
        }
    }

    /** Another process changed this user's registrations (maybe gave them their first). */
    @Override
    public void invalidate(final String username) {
        final String user = folding.fold(username);
        known.add(user);
        invalidations.incrementAndGet();
        byUser.invalidate(user);
    }

    /** Changes may have been missed: forget everything, and read again who has registrations. */
    @Override
    public void invalidateAll() {
        invalidations.incrementAndGet();
        byUser.invalidateAll();
        if (indexed) {
            known.reload();
        }
    }

    /** Users known to have registrations (complete index), or -1 when the index is not complete. */
    long knownUsers() {
        return known.complete() ? known.size() : -1;
    }

    /** Lookups answered "no registration" without the cache or the database, since start. */
    long knownAbsentLookups() {
        return knownAbsent.sum();
    }

    /** Users cached now. */
    long cachedUsers() {
        return byUser.estimatedSize();
    }

    /** Fraction of lookups answered from memory since start. */
    double hitRate() {
        return byUser.stats().hitRate();
    }

    /** Invalidations since start (writes through this store, and changes told by the database), for tests. */
    long invalidations() {
        return invalidations.get();
    }

    @Override
    public List<Registration> registrationsOf(final String username) {
        final String user = folding.fold(username);
        if (!known.mayHave(user)) {
            knownAbsent.increment();
            return List.of();
        }
        final long stamp = known.stamp();
        final List<Registration> found = byUser.get(user, folded -> compact(delegate.registrationsOf(folded)));
        if (found.isEmpty()) {
            known.forget(user, stamp);
        }
        return found;
    }

    @Override
    public Map<String, List<Registration>> registrationsOfUsers(final Collection<String> usernames) {
        final Map<String, List<Registration>> result = new HashMap<>();
        final Map<String, List<String>> missing = new HashMap<>();
        for (final String username : usernames) {
            final String user = folding.fold(username);
            if (!known.mayHave(user)) {
                knownAbsent.increment();
                result.put(username, List.of());
                continue;
            }
            final List<Registration> cached = byUser.getIfPresent(user);
            if (cached != null) {
                result.put(username, cached);
            } else {
                missing.computeIfAbsent(user, u -> new ArrayList<>(1)).add(username);
            }
        }
        if (missing.isEmpty()) {
            return result;
        }
        final long stamp = known.stamp();
        final long before = invalidations.get();
        final Map<String, List<Registration>> loaded = delegate.registrationsOfUsers(missing.keySet());
        final Map<String, List<Registration>> compacted = new HashMap<>();
        for (final Map.Entry<String, List<String>> user : missing.entrySet()) {
            final List<Registration> found = compact(loaded.getOrDefault(user.getKey(), List.of()));
            compacted.put(user.getKey(), found);
            for (final String name : user.getValue()) {
                result.put(name, found);
            }
            if (found.isEmpty()) {
                known.forget(user.getKey(), stamp);
            }
        }
        if (invalidations.get() == before) {
            byUser.putAll(compacted);
            if (invalidations.get() != before) {
                // An invalidation came between the check and the put: what was put may be stale.
                byUser.invalidateAll(compacted.keySet());
            }
        }
        return result;
    }

    @Override
    public String foldUsername(final String username) {
        return folding.fold(username);
    }

    /**
     * The same registrations sharing what repeats across users (mailbox sets, topic, subtopic) and within one user
     * (the username): a cached user then costs about 300 bytes per device instead of about 1 KB.
     */
    private List<Registration> compact(final List<Registration> registrations) {
        final List<Registration> result = new java.util.ArrayList<>(registrations.size());
        String username = null;
        for (final Registration r : registrations) {
            username = username != null && username.equals(r.username()) ? username : r.username();
            result.add(new Registration(username, r.accountId(), r.deviceToken(), strings.intern(r.subtopic()),
                    r.apsVersion(), mailboxSets.intern(r.mailboxes()),
                    r.topic() == null ? null : strings.intern(r.topic()), r.firstRegistered(), r.lastRegistered()));
        }
        return List.copyOf(result);
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        final String user = folding.fold(registration.username());
        known.add(user); // before the commit: the index never lacks a user who has a registration
        try {
            return delegate.register(registration);
        } finally {
            invalidations.incrementAndGet();
            byUser.invalidate(user);
        }
    }

    @Override
    public List<RegisterResult> registerAll(final List<Registration> registrations) {
        final List<String> users = registrations.stream().map(r -> folding.fold(r.username())).distinct().toList();
        users.forEach(known::add);
        try {
            return delegate.registerAll(registrations);
        } finally {
            invalidations.incrementAndGet();
            byUser.invalidateAll(users);
        }
    }

    @Override
    public Optional<Registration> find(final RegistrationKey key) {
        return delegate.find(key);
    }

    @Override
    public boolean removeUnlessRegisteredAfter(final RegistrationKey key, final Instant invalidatedAt) {
        final Optional<Registration> existing = delegate.find(key);
        try {
            return delegate.removeUnlessRegisteredAfter(key, invalidatedAt);
        } finally {
            existing.ifPresent(registration -> {
                invalidations.incrementAndGet();
                byUser.invalidate(folding.fold(registration.username()));
            });
        }
    }

    @Override
    public int remove(final String username, final String deviceToken) {
        try {
            return delegate.remove(username, deviceToken);
        } finally {
            // Left in the index (a superset); the next lookup that finds nothing drops the user.
            invalidations.incrementAndGet();
            byUser.invalidate(folding.fold(username));
        }
    }

    @Override
    public int expireRegisteredBefore(final Instant cutoff) {
        try {
            return delegate.expireRegisteredBefore(cutoff);
        } finally {
            invalidateAll();
        }
    }

    @Override
    public long count() {
        return delegate.count();
    }

    @Override
    public long export(final Consumer<Registration> sink) {
        return delegate.export(sink);
    }

    @Override
    public long importRegistrations(final Iterable<Registration> registrations, final ImportMode mode) {
        try {
            return delegate.importRegistrations(registrations, mode);
        } finally {
            invalidateAll();
        }
    }
}
