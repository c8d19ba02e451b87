package org.mailpush.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where registrations live. The one state mailpush keeps.
 *
 * <p>Implementations are thread-safe: the notify listener, the pusher and admin commands call them concurrently, and
 * several mailpush processes may share one database. Every method either completes or throws
 * {@link TokenStoreException}; none leaves a registration half-written.</p>
 *
 * <p>Build one with {@link TokenStoreBuilder}; close it when the service stops.</p>
 */
public interface TokenStore extends AutoCloseable {

    /** What {@link #register} did. */
    enum RegisterOutcome {
        /** A new (account id, device token) pair. */
        ADDED,
        /** An existing pair: last-registered refreshed, mailbox set replaced, first-registered kept. */
        REFRESHED
    }

    /**
     * Stores a registration or refreshes the existing one with the same {@link RegistrationKey}: the user, subtopic,
     * version, topic and mailbox set are replaced, {@code lastRegistered} is set, {@code firstRegistered} is kept.
     */
    RegisterOutcome register(Registration registration);

    /** The registrations of {@code username} that watch {@code mailbox} (client-visible name). */
    List<Registration> registrationsWatching(String username, String mailbox);

    /** Every registration of {@code username}. */
    List<Registration> registrationsOf(String username);

    /** The registration with this key, if any. */
    Optional<Registration> find(RegistrationKey key);

    /**
     * Removes the registration because APNs said its token is no longer valid at {@code invalidatedAt}; a device
     * that re-registered after that instant keeps its registration.
     *
     * @return whether a registration was removed
     */
    boolean removeUnlessRegisteredAfter(RegistrationKey key, Instant invalidatedAt);

    /** How many registrations there are. */
    long count();

    /** Whether the database answers now; never throws. */
    boolean isReachable();

    @Override
    void close();
}
