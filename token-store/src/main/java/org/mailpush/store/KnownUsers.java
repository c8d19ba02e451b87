package org.mailpush.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every user who may have a registration (folded names): a superset, never missing one. Most users of a real site
 * have no device registered for push, and their mail would otherwise cost a database query each (2.5 million users
 * with mail, a quarter of a million with devices, is a typical ratio); a user not in here has none, known without
 * a query. It is the negative cache, kept as its complement: one entry per user with devices rather than one per
 * user without.
 *
 * <p>Kept a superset: a user is added before a write of theirs is committed (and when another process says it
 * changed their rows); a user is dropped only when a lookup found no registration and nothing was added since the
 * lookup started ({@link #stamp()}, {@link #forget}); a reload adds those it reads to those there. Until loaded,
 * while a reload runs (after a change notification was missed, {@link #reload}), and when the users with devices
 * are more than the bound, it is not <em>complete</em>: every lookup then goes to the cache or the database.</p>
 *
 * <p>Thread-safe. {@link #mayHave} is lock-free; adding and forgetting take a short lock so that a forget can
 * tell whether an add came between the lookup and itself.</p>
 */
final class KnownUsers {

    private static final Logger LOG = LoggerFactory.getLogger(KnownUsers.class);

    /** Reads every folded username with a registration into the consumer it is given. */
    interface Loader {
        void load(Consumer<String> sink);
    }

    private final Loader loader;
    private final long maxUsers;
    private volatile Set<String> users = ConcurrentHashMap.newKeySet();
    /** Users added while a reload reads the database: put into the new set when it is swapped in. */
    private Set<String> addedDuringReload;
    private volatile boolean complete;
    private volatile long additions;
    private boolean overBoundLogged;
    /** Over the bound: nothing is kept until a reload finds the users fit again. */
    private boolean abandoned;
    /** One reload at a time: two at once shared {@link #addedDuringReload}, and the second to end found it null. */
    private final Object reloading = new Object();

    /** @param maxUsers past this many users with devices the index gives up (lookups all go to the database) */
    KnownUsers(final Loader loader, final long maxUsers) {
        this.loader = loader;
        this.maxUsers = maxUsers;
    }

    /** Whether a lookup may skip the database for users not in here. */
    boolean complete() {
        return complete;
    }

    /** {@code false} only when the user certainly has no registration. */
    boolean mayHave(final String foldedUser) {
        return !complete || users.contains(foldedUser);
    }

    /** How many users are in the index. */
    int size() {
        return users.size();
    }

    /** Read before a lookup; pass to {@link #forget} if the lookup found nothing. */
    long stamp() {
        return additions;
    }

    /** The user may have a registration from now on (before the write that gives them one commits). */
    synchronized void add(final String foldedUser) {
        additions++;
        if (abandoned) {
            return;
        }
        users.add(foldedUser);
        if (addedDuringReload != null) {
            addedDuringReload.add(foldedUser);
        }
        if (users.size() > maxUsers) {
            giveUp();
        }
    }

    /** A lookup started at {@code stamp} found no registration: drop the user unless anything was added since. */
    synchronized void forget(final String foldedUser, final long stamp) {
        if (additions == stamp) {
            users.remove(foldedUser);
        }
    }

    /**
     * Reads the users from the database again (at start, and when change notifications may have been missed):
     * incomplete while it runs, so nothing is missed meanwhile. One at a time: a second caller waits for the first.
     */
    void reload() {
        synchronized (reloading) {
            synchronized (this) {
                complete = false;
                addedDuringReload = ConcurrentHashMap.newKeySet();
            }
            final Set<String> loaded = ConcurrentHashMap.newKeySet();
            final long[] count = {0};
            boolean fits = true;
            try {
                loader.load(user -> {
                    if (++count[0] <= maxUsers) {
                        loaded.add(user);
                    }
                });
                fits = count[0] <= maxUsers;
            } catch (final RuntimeException e) {
                LOG.warn("Could not read the users with registrations ({}); routing asks the database for every user"
                        + " until the next reload", e.getMessage());
                synchronized (this) {
                    addedDuringReload = null;
                }
                return;
            }
            synchronized (this) {
                // The old set too: a user added just before the reload began may not be committed yet, so not in what
                // was read. The index only grows here; lookups that find nothing shrink it.
                loaded.addAll(addedDuringReload);
                if (!abandoned) {
                    loaded.addAll(users);
                }
                addedDuringReload = null;
                users = loaded;
                additions++;
                if (fits && loaded.size() <= maxUsers) {
                    abandoned = false;
                    complete = true;
                } else {
                    giveUp();
                }
            }
        }
    }

    private void giveUp() {
        complete = false;
        abandoned = true;
        users = ConcurrentHashMap.newKeySet();
        if (!overBoundLogged) {
            overBoundLogged = true;
            LOG.warn("More than {} users have devices registered: the routing cache no longer keeps them all in"
                    + " memory, and mail for users without devices costs a database lookup (raise"
                    + " store.cache.max-known-users)", maxUsers);
        }
    }
}
