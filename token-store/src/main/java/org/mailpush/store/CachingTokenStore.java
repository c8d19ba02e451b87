package org.mailpush.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Interner;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Keeps each user's registrations in memory so that routing an event costs no database round trip.
 *
 * <p>Correctness: an entry is dropped after every write through this store (after the commit), and when another
 * process sharing the database changes that user's rows ({@link #invalidate}, fed by PostgreSQL's LISTEN/NOTIFY,
 * which delivers at commit). A load that read the old rows and finishes after the drop cannot survive it: Caffeine
 * waits for a load in progress before removing its key. If notifications may have been missed (the listening
 * connection broke), {@link #invalidateAll} empties the cache. Entries also expire after {@code maxAge}, a bound on
 * staleness if everything else failed. Thread-safe.</p>
 */
final class CachingTokenStore implements TokenStore {

    private final TokenStore delegate;
    private final UsernameFolding folding;
    private final Cache<String, List<Registration>> byUser;
    private final Interner<Set<String>> mailboxSets = Interner.newWeakInterner();
    private final Interner<String> strings = Interner.newWeakInterner();
    private AutoCloseable changeListener;

    CachingTokenStore(final TokenStore delegate, final UsernameFolding folding, final long maxUsers,
                      final Duration maxAge) {
        this.delegate = delegate;
        this.folding = folding;
        this.byUser = Caffeine.newBuilder().maximumSize(maxUsers).expireAfterWrite(maxAge).recordStats().build();
    }

    /** What feeds {@link #invalidate} from other processes; closed with the store. */
    void changeListener(final AutoCloseable listener) {
        this.changeListener = listener;
    }

    /** Another process changed this user's registrations. */
    void invalidate(final String username) {
        byUser.invalidate(folding.fold(username));
    }

    /** Changes may have been missed: forget everything. */
    void invalidateAll() {
        byUser.invalidateAll();
    }

    /** Users cached now. */
    long cachedUsers() {
        return byUser.estimatedSize();
    }

    /** Fraction of lookups answered from memory since start. */
    double hitRate() {
        return byUser.stats().hitRate();
    }

    @Override
    public List<Registration> registrationsOf(final String username) {
        return byUser.get(folding.fold(username), user -> compact(delegate.registrationsOf(user)));
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
    public List<Registration> registrationsWatching(final String username, final String mailbox) {
        final String wanted = MailboxNames.normalize(mailbox);
        return registrationsOf(username).stream().filter(r -> r.mailboxes().contains(wanted)).toList();
    }

    @Override
    public RegisterOutcome register(final Registration registration) {
        try {
            return delegate.register(registration);
        } finally {
            invalidate(registration.username());
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
            existing.ifPresent(registration -> invalidate(registration.username()));
        }
    }

    @Override
    public int remove(final String username, final String deviceToken) {
        try {
            return delegate.remove(username, deviceToken);
        } finally {
            invalidate(username);
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

    @Override
    public void enqueuePush(final RegistrationKey registration, final boolean newMail, final Instant receivedAt) {
        delegate.enqueuePush(registration, newMail, receivedAt);
    }

    @Override
    public long queuedPushCount() {
        return delegate.queuedPushCount();
    }

    @Override
    public List<QueuedPush> queuedPushes(final long afterId, final int limit) {
        return delegate.queuedPushes(afterId, limit);
    }

    @Override
    public void removeQueuedPushes(final java.util.Collection<Long> ids) {
        delegate.removeQueuedPushes(ids);
    }

    @Override
    public boolean isReachable() {
        return delegate.isReachable();
    }

    @Override
    public String describe() {
        return delegate.describe() + ", routing cache";
    }

    @Override
    public void close() {
        if (changeListener != null) {
            try {
                changeListener.close();
            } catch (final Exception e) {
                // Closing a LISTEN connection that already broke: nothing left to release.
            }
        }
        delegate.close();
    }
}
