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
 * What waits for the routing thread, in two bounded lanes: mailbox events, and registrations. A burst of
 * registrations (every phone reconnecting after the IMAP server restarted) fills only its own lane, so new mail is
 * never shed or starved because of it: the routing thread takes mail first, every round.
 *
 * <p>Order within a user is kept where it matters: the registrations waiting are grouped by user, in the order
 * their users first appeared, so the routing thread can take a user's registrations ahead of the others
 * ({@link #takeRegistrationsOf}) and store them before that user's mail is routed.</p>
 *
 * <p>Thread-safe: doors offer from their I/O threads (never blocking), the durable queue's thread puts (waiting for
 * room), the routing thread takes. One lock, held for bookkeeping only.</p>
 *
 * @param <T> what waits: the routing thread's unit of work
 */
final class RoutingLanes<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
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
            work.signal();
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
            work.signal();
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
            } else {
                registrationsByUser.computeIfAbsent(user, u -> new ArrayDeque<>(1)).add(item);
                registrations++;
            }
            work.signal();
            return true;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until something is queued (or the lanes are closed and empty, or {@code timeout} passed).
     *
     * @return whether anything is queued
     */
    boolean awaitWork(final long timeout, final TimeUnit unit) throws InterruptedException {
        lock.lock();
        try {
            long nanos = unit.toNanos(timeout);
            while (mail.isEmpty() && registrations == 0) {
                if (closed || nanos <= 0) {
                    return false;
                }
                nanos = work.awaitNanos(nanos);
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

    /** Every registration waiting for one of {@code users}, each user's in the order they came. */
    List<T> takeRegistrationsOf(final Collection<String> users) {
        lock.lock();
        try {
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

    /** Up to about {@code max} registrations, whole users at a time, users in the order they first came. */
    List<T> takeRegistrations(final int max) {
        lock.lock();
        try {
            final List<T> taken = new ArrayList<>(Math.min(max, registrations));
            final Iterator<Map.Entry<String, ArrayDeque<T>>> users = registrationsByUser.entrySet().iterator();
            while (taken.size() < max && users.hasNext()) {
                final ArrayDeque<T> waiting = users.next().getValue();
                taken.addAll(waiting);
                registrations -= waiting.size();
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
            work.signalAll();
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
