package org.mailpush.notifyd.route;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What waits for routing, in two bounded lanes: mailbox events, taken by the routing thread, and registrations,
 * taken by the writing thread. A burst of registrations (every phone reconnecting after the IMAP server restarted)
 * fills only its own lane and occupies only its own thread, so new mail is never shed, starved or held behind a group
 * commit because of it.
 *
 * <p>Order within a user is kept where it matters: the registrations waiting are grouped by user, in the order
 * their users first appeared, so the routing thread can take a user's registrations ahead of the others
 * ({@link #takeRegistrationsOf}, which first waits for the writing thread if it holds some of that user's) and store
 * them before that user's mail is routed.</p>
 *
 * <p>Thread-safe: doors offer from their I/O threads (never blocking), the durable queue's thread puts (waiting for
 * room), the routing and writing threads take. One lock, held for bookkeeping (and a wait for a write in progress
 * when mail's owner is being written).</p>
 *
 * @param <T> what waits: the routing thread's unit of work
 */
final class RoutingLanes<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition mailWork = lock.newCondition();
    private final Condition registrationWork = lock.newCondition();
    private final Condition room = lock.newCondition();
    /** Signalled when the registrations being written are stored ({@link #doneWriting}). */
    private final Condition written = lock.newCondition();
    /** The users whose registrations the writing thread took and has not stored yet. */
    private final java.util.Set<String> writing = new java.util.HashSet<>();
    private final int mailCapacity;
    private final int registrationCapacity;
    private final ArrayDeque<T> mail = new ArrayDeque<>();
    private final LinkedHashMap<String, ArrayDeque<T>> registrationsByUser = new LinkedHashMap<>();
    private int registrations;
    private boolean closed;

    RoutingLanes(final int mailCapacity, final int registrationCapacity) {
        if (mailCapacity < 1 || registrationCapacity < 1) {
            throw new IllegalArgumentException("lane capacities must be at least 1, not " + mailCapacity + " and "
                    + registrationCapacity);
        }
        this.mailCapacity = mailCapacity;
        this.registrationCapacity = registrationCapacity;
    }

    /** Queues mail (or any event that is not a registration); {@code false} when its lane is full or closed. */
    boolean offerMail(final T item) {
        lock.lock();
        try {
            if (closed || mail.size() >= mailCapacity) {
                return false;
            }
            mail.add(item);
            mailWork.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a registration of {@code user}; {@code false} when its lane is full or closed. */
    boolean offerRegistration(final String user, final T item) {
        lock.lock();
        try {
            if (closed || registrations >= registrationCapacity) {
                return false;
            }
            registrationsByUser.computeIfAbsent(user, u -> new ArrayDeque<>(1)).add(item);
            registrations++;
            registrationWork.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues as {@link #offerMail} or {@link #offerRegistration} ({@code user} non-null) would, waiting while the lane
     * is full. {@code false} when closed (or interrupted) first.
     */
    boolean put(final String user, final T item) {
        lock.lock();
        try {
            while (!closed && (user == null ? mail.size() >= mailCapacity : registrations >= registrationCapacity)) {
                room.await();
            }
            if (closed) {
                return false;
            }
            if (user == null) {
                mail.add(item);
                mailWork.signal();
            } else {
                registrationsByUser.computeIfAbsent(user, u -> new ArrayDeque<>(1)).add(item);
                registrations++;
                registrationWork.signal();
            }
            return true;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until mail is queued (or the lanes are closed and the mail lane empty, or {@code timeout} passed).
     *
     * @return whether mail is queued
     */
    boolean awaitMail(final long timeout, final TimeUnit unit) throws InterruptedException {
        return await(() -> !mail.isEmpty(), mailWork, timeout, unit);
    }

    /**
     * Waits until a registration is queued (or the lanes are closed and the registration lane empty, or
     * {@code timeout} passed).
     *
     * @return whether a registration is queued
     */
    boolean awaitRegistrations(final long timeout, final TimeUnit unit) throws InterruptedException {
        return await(() -> registrations > 0, registrationWork, timeout, unit);
    }

    /** Waits on {@code signal} until {@code queued} holds (read under the lock), the lanes close, or time is up. */
    private boolean await(final java.util.function.BooleanSupplier queued, final Condition signal, final long timeout,
                          final TimeUnit unit) throws InterruptedException {
        lock.lock();
        try {
            long nanos = unit.toNanos(timeout);
            while (!queued.getAsBoolean()) {
                if (closed || nanos <= 0) {
                    return false;
                }
                nanos = signal.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Up to {@code max} mail items, oldest first; empty when none waits. */
    List<T> takeMail(final int max) {
        lock.lock();
        try {
            final List<T> taken = new ArrayList<>(Math.min(max, mail.size()));
            while (taken.size() < max && !mail.isEmpty()) {
                taken.add(mail.poll());
            }
            if (!taken.isEmpty()) {
                room.signalAll();
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every registration waiting for one of {@code users}, each user's in the order they came — after waiting for
     * the writing thread to store any of theirs it has taken ({@link #takeRegistrations}), so that whatever came
     * before is stored once this returns and the caller stored what it got.
     */
    List<T> takeRegistrationsOf(final Collection<String> users) throws InterruptedException {
        lock.lock();
        try {
            while (!writing.isEmpty() && anyOf(users, writing)) {
                written.await();
            }
            if (registrations == 0) {
                return List.of();
            }
            final List<T> taken = new ArrayList<>();
            for (final String user : users) {
                final ArrayDeque<T> waiting = registrationsByUser.remove(user);
                if (waiting != null) {
                    taken.addAll(waiting);
                    registrations -= waiting.size();
                }
            }
            if (!taken.isEmpty()) {
                room.signalAll();
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    private static boolean anyOf(final Collection<String> users, final java.util.Set<String> among) {
        for (final String user : users) {
            if (among.contains(user)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Up to about {@code max} registrations, whole users at a time, users in the order they first came, for the
     * writing thread: their users count as being written until {@link #doneWriting}.
     */
    List<T> takeRegistrations(final int max) {
        lock.lock();
        try {
            final List<T> taken = new ArrayList<>(Math.min(max, registrations));
            final Iterator<Map.Entry<String, ArrayDeque<T>>> users = registrationsByUser.entrySet().iterator();
            while (taken.size() < max && users.hasNext()) {
                final Map.Entry<String, ArrayDeque<T>> user = users.next();
                final ArrayDeque<T> waiting = user.getValue();
                taken.addAll(waiting);
                registrations -= waiting.size();
                writing.add(user.getKey());
                users.remove();
            }
            if (!taken.isEmpty()) {
                room.signalAll();
            }
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Room in a lane for fewer than this many more: {@link #nearlyFull}. More than one socket read loop takes. */
    static final int HEADROOM = 64;

    /** A lane has fewer than {@link #HEADROOM} places left. */
    boolean nearlyFull() {
        lock.lock();
        try {
            return mail.size() > mailCapacity - HEADROOM || registrations > registrationCapacity - HEADROOM;
        } finally {
            lock.unlock();
        }
    }

    /** Both lanes at most three quarters full. */
    boolean drained() {
        lock.lock();
        try {
            return mail.size() <= mailCapacity / 4 * 3 && registrations <= registrationCapacity / 4 * 3;
        } finally {
            lock.unlock();
        }
    }

    /** The registrations last taken by {@link #takeRegistrations} are stored (or failed): their users' mail may go. */
    void doneWriting() {
        lock.lock();
        try {
            writing.clear();
            written.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int mailQueued() {
        lock.lock();
        try {
            return mail.size();
        } finally {
            lock.unlock();
        }
    }

    int registrationsQueued() {
        lock.lock();
        try {
            return registrations;
        } finally {
            lock.unlock();
        }
    }

    /** Takes nothing more; what is queued can still be taken. Wakes every waiter. */
    void close() {
        lock.lock();
        try {
            closed = true;
            mailWork.signalAll();
            registrationWork.signalAll();
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Everything still queued, removed (for a shutdown that gave up). */
    List<T> drainAll() {
        lock.lock();
        try {
            final List<T> all = new ArrayList<>(mail);
            mail.clear();
            registrationsByUser.values().forEach(all::addAll);
            registrationsByUser.clear();
            registrations = 0;
            room.signalAll();
            return all;
        } finally {
            lock.unlock();
        }
    }
}
