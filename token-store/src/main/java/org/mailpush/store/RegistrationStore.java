package org.mailpush.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where registrations live: the one state mailpush keeps. The router stores and looks them up, the pusher removes
 * those APNs invalidated, the sweeper expires old ones, admin commands list, back up and restore them.
 *
 * <p>Thread-safe: the router's threads, the pusher, the proxy's registration pool and admin commands call it
 * concurrently, and several mailpush processes may share one database. Every method either completes or throws
 * {@link TokenStoreException}; none leaves a registration half-written. Usernames are folded the way the IMAP server
 * compares them ({@link UsernameFolding}) on the way in, so callers pass them as they got them.</p>
 *
 * <p>Lifecycle: it is one job of a {@link TokenStore}, which owns the database and is the one to close; its users do
 * not close it. Once the {@code TokenStore} is closed, every method throws {@link TokenStoreException}.</p>
 */
public interface RegistrationStore {

    /** What {@link #register} did. */
    enum RegisterOutcome {
        /** A new (account id, device token) pair. */
        ADDED,
        /** An existing pair: last-registered refreshed, mailbox set replaced, first-registered kept. */
        REFRESHED
    }

    /** How {@link #importRegistrations} treats what is already there. */
    enum ImportMode {
        /** Add new registrations; replace an existing one only with a more recently registered one. */
        MERGE,
        /** Replace the whole content in one transaction (a restore): afterwards the store holds exactly the input. */
        REPLACE
    }

    /**
     * Stores a registration or refreshes the existing one with the same {@link RegistrationKey}: the user, subtopic,
     * version, topic and mailbox set are replaced, {@code lastRegistered} is set, {@code firstRegistered} is kept.
     */
    RegisterOutcome register(Registration registration);

    /**
     * What {@link #registerAll} did with one registration: stored ({@code outcome}), or refused because its user has
     * the most devices allowed ({@code refused}, the reason). A store failure fails the whole call instead.
     */
    record RegisterResult(RegisterOutcome outcome, RegistrationLimitException refused) {

        public static RegisterResult stored(final RegisterOutcome outcome) {
            return new RegisterResult(outcome, null);
        }

        public static RegisterResult refusedBy(final RegistrationLimitException limit) {
            return new RegisterResult(null, limit);
        }
    }

    /**
     * Stores several registrations, as {@link #register} would one by one in this order, with as few commits as the
     * store can (a group commit): the answer to a burst of registrations (every phone reconnecting after the IMAP
     * server restarted) without one database round trip each.
     *
     * @return one result per registration, in order
     * @throws TokenStoreException when the store failed; then none, some or all were stored, each whole (storing
     *                             them again is safe: a registration is an upsert)
     */
    default List<RegisterResult> registerAll(final List<Registration> registrations) {
        final List<RegisterResult> results = new java.util.ArrayList<>(registrations.size());
        for (final Registration registration : registrations) {
            try {
                results.add(RegisterResult.stored(register(registration)));
            } catch (final RegistrationLimitException e) {
                results.add(RegisterResult.refusedBy(e));
            }
        }
        return results;
    }

    /**
     * The registrations of each of {@code usernames}, as {@link #registrationsOf} would give them, in as few round
     * trips as the store can: routing looks up the owners of a batch of events at once. Keyed by the usernames as
     * passed; a user without registrations maps to an empty list.
     */
    default Map<String, List<Registration>> registrationsOfUsers(final Collection<String> usernames) {
        final Map<String, List<Registration>> found = new java.util.HashMap<>();
        for (final String username : usernames) {
            found.computeIfAbsent(username, this::registrationsOf);
        }
        return found;
    }

    /**
     * The username as this store compares it ({@link UsernameFolding}): two names that fold alike are one user.
     * Routing uses it to keep one user's events in order.
     */
    default String foldUsername(final String username) {
        return username;
    }

    /**
     * The registrations of {@code username} that watch {@code mailbox} (client-visible name), by
     * {@link Registration#watches(String)}.
     */
    default List<Registration> registrationsWatching(final String username, final String mailbox) {
        return registrationsOf(username).stream().filter(r -> r.watches(mailbox)).toList();
    }

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

    /**
     * Removes the registrations of {@code username}, all of them or only those of one device.
     *
     * @param deviceToken the device to remove, {@code null} for every device of the user
     * @return how many were removed
     */
    int remove(String username, String deviceToken);

    /**
     * Removes the registrations not renewed since {@code cutoff} (devices re-register at least daily; one that stopped
     * has been reset or given away).
     *
     * @return how many were removed
     */
    int expireRegisteredBefore(Instant cutoff);

    /** How many registrations there are. */
    long count();

    /**
     * Hands every registration to {@code sink}, in key order, from one consistent snapshot: writes that run meanwhile
     * are either wholly in it or wholly not, and are not held up. Streams: a registration is handed over as soon as
     * it is read, so an export of any size needs no more memory than one registration.
     *
     * @return how many were handed over
     */
    long export(Consumer<Registration> sink);

    /** Writes registrations read from a backup or another store; see {@link ImportMode}. Returns how many it wrote. */
    long importRegistrations(Iterable<Registration> registrations, ImportMode mode);
}
