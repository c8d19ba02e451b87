package org.mailpush.pusher;

import org.mailpush.store.PushTarget;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * Decides when each device gets a push, so that a burst of events becomes few pushes. The payload only says "check
 * this account" (mail) or "sync this collection" (calendar, contacts), so one pending push per
 * {@link PushTarget.Key} (account id and device token; device token and collection) covers any number of events.
 *
 * <ul>
 *   <li>New mail for an idle device: push at once (no added latency for the common single message).</li>
 *   <li>New mail while a push is queued, in flight, or within {@code window} of the last one: one trailing push at
 *       the end of the window covers them all.</li>
 *   <li>A mailbox change (read, flags, expunge): one push after {@code changeDelay}, coalesced with further changes
 *       and flushed early by new mail.</li>
 *   <li>A calendar or address book change ({@link PushKind#COLLECTION_CHANGE}): the same, after
 *       {@code davChangeDelay} (one DAV write makes two or three events; CalendarServer waits 3 s). A change while a
 *       push is in flight gives one follow-up after the later of the window's end and that delay.</li>
 * </ul>
 *
 * <p>A pure state machine over a clock in nanoseconds: not thread-safe, the caller holds the lock; it schedules
 * nothing itself but says when the caller should call back ({@link Decision}). At most {@code capacity} devices have a
 * push pending; beyond that new devices are shed. Devices pushed within the window and with nothing pending
 * ("cooling") are remembered only to space their pushes; at most {@code capacity} of them too, the oldest forgotten
 * first, so a burst over many devices is never shed because of the burst before it.</p>
 */
final class PushCoalescer {

    /** Where a device's push stands. */
    enum State {
        /** Waiting for a delivery slot, to be sent at once. */
        QUEUED,
        /** Being delivered (attempts and back-off between them). */
        IN_FLIGHT,
        /** New mail arrived within the window: one push at the window's end. */
        TRAILING,
        /** Only mailbox or collection changes: one push at the due time. */
        DELAYED,
        /** Pushed recently, nothing pending; forgotten once the window has passed (no timer). */
        COOLING
    }

    /** One device's pending push. Fields are guarded by the caller's lock. */
    static final class Entry {
        final PushTarget.Key key;
        PushTarget target;
        State state;
        PushKind followUp;
        long dueAt;
        ScheduledFuture<?> timer;
        /** Whether the coalescer still tracks it: a field read instead of a map lookup on the hot path. */
        boolean tracked = true;
        /**
         * When the earliest event not yet covered by a started push was taken in ({@link System#nanoTime()}),
         * {@link Long#MAX_VALUE} when none: the start of the event-to-APNs latency of the next push.
         */
        long pendingSince = Long.MAX_VALUE;
        /** Callbacks of events not yet covered by a started push; they move to the next delivery. */
        List<Runnable> waiting;
        /**
         * For a calendar or contacts target: the wall time of the latest change taken in (set by the engine), the
         * payload's {@code dataChangedTimestamp}; {@code null} for mail.
         */
        Instant lastChange;

        Entry(final PushTarget target) {
            this.key = target.key();
            this.target = target;
        }
    }

    /** What the caller must do now. */
    record Decision(Action action, Entry entry, long dueAt) {
        static final Decision SHED = new Decision(Action.SHED, null, 0);
        static final Decision NOTHING = new Decision(Action.NOTHING, null, 0);
    }

    enum Action {
        /** Deliver {@code entry} now. */
        SEND_NOW,
        /** Call {@link #timerFired} for {@code entry} at {@code dueAt}. */
        SCHEDULE,
        /** The event is covered by a push already pending. */
        COALESCED,
        /** A push already pending now covers this event and an earlier one: deliver now; one event was absorbed. */
        SEND_NOW_MERGED,
        /** Too many devices pending. */
        SHED,
        /** Nothing to do. */
        NOTHING
    }

    private final long windowNanos;
    private final long changeDelayNanos;
    private final long davChangeDelayNanos;
    private final int capacity;
    private final Map<PushTarget.Key, Entry> entries = new HashMap<>();
    /** Entries in the order they started cooling; may hold entries that since left that state. */
    private final ArrayDeque<Entry> coolingOrder = new ArrayDeque<>();
    private int cooling;

    PushCoalescer(final long windowNanos, final long changeDelayNanos, final long davChangeDelayNanos,
                  final int capacity) {
        this.windowNanos = windowNanos;
        this.changeDelayNanos = changeDelayNanos;
        this.davChangeDelayNanos = davChangeDelayNanos;
        this.capacity = capacity;
    }

    /** Devices with a push pending (queued, in flight, trailing or delayed). */
    int size() {
        return entries.size() - cooling;
    }

    /** How long a push for {@code kind} (a change, not new mail) waits, coalescing. */
    private long delayOf(final PushKind kind) {
        return kind == PushKind.COLLECTION_CHANGE ? davChangeDelayNanos : changeDelayNanos;
    }

    /** An event for {@code target}'s device. */
    Decision offer(final PushTarget target, final PushKind kind, final long now) {
        forgetCooledDown(now);
        Entry entry = entries.get(target.key());
        if (entry == null) {
            if (size() >= capacity) {
                return Decision.SHED;
            }
            entry = new Entry(target);
            entries.put(entry.key, entry);
            if (kind == PushKind.NEW_MAIL) {
                entry.state = State.QUEUED;
                return new Decision(Action.SEND_NOW, entry, now);
            }
            return delay(entry, now + delayOf(kind));
        }
        entry.target = target;
        switch (entry.state) {
            case QUEUED, TRAILING:
                return new Decision(Action.COALESCED, entry, 0);
            case IN_FLIGHT:
                if (entry.followUp == null) {
                    // This event causes the one follow-up push after the delivery ends.
                    entry.followUp = kind;
                    return new Decision(Action.NOTHING, entry, 0);
                }
                if (kind == PushKind.NEW_MAIL) {
                    entry.followUp = PushKind.NEW_MAIL;
                }
                return new Decision(Action.COALESCED, entry, 0);
            case DELAYED:
                if (kind == PushKind.NEW_MAIL) {
                    entry.state = State.QUEUED;
                    return new Decision(Action.SEND_NOW_MERGED, entry, now);
                }
                return new Decision(Action.COALESCED, entry, 0);
            case COOLING:
                cooling--;
                if (kind == PushKind.NEW_MAIL) {
                    entry.state = State.TRAILING;
                    entry.dueAt = entry.dueAt > now ? entry.dueAt : now;
                    return new Decision(Action.SCHEDULE, entry, entry.dueAt);
                }
                return delay(entry, Math.max(entry.dueAt, now + delayOf(kind)));
            default:
                throw new IllegalStateException("unknown state " + entry.state);
        }
    }

    private static Decision delay(final Entry entry, final long dueAt) {
        entry.state = State.DELAYED;
        entry.dueAt = dueAt;
        return new Decision(Action.SCHEDULE, entry, dueAt);
    }

    /** The entry's timer fired. */
    Decision timerFired(final Entry entry, final long now) {
        if (!entry.tracked) {
            return Decision.NOTHING;
        }
        entry.timer = null;
        switch (entry.state) {
            case TRAILING, DELAYED:
                entry.state = State.QUEUED;
                return new Decision(Action.SEND_NOW, entry, now);
            case COOLING:
                forget(entry);
                cooling--;
                return Decision.NOTHING;
            default:
                return Decision.NOTHING;
        }
    }

    /** The entry was handed to delivery. */
    void started(final Entry entry) {
        entry.state = State.IN_FLIGHT;
        entry.followUp = null;
    }

    /**
     * The entry's attempt failed and will be retried: the device has not been told yet, so the next attempt covers
     * every event that arrived meanwhile.
     *
     * @return whether a follow-up was absorbed into the retry (one event fewer to push)
     */
    boolean retrying(final Entry entry) {
        final boolean absorbed = entry.followUp != null;
        entry.state = State.QUEUED;
        entry.followUp = null;
        return absorbed;
    }

    /**
     * The entry's delivery ended (delivered, refused or given up).
     *
     * @param forget the device is gone (its registration or subscription was removed): forget it and any follow-up
     */
    Decision completed(final Entry entry, final long now, final boolean forget) {
        if (!entry.tracked) {
            return Decision.NOTHING;
        }
        final long windowEnd = now + windowNanos;
        final PushKind followUp = entry.followUp;
        entry.followUp = null;
        if (forget) {
            forget(entry);
            return Decision.NOTHING;
        }
        if (followUp == PushKind.NEW_MAIL) {
            entry.state = State.TRAILING;
            entry.dueAt = windowEnd;
        } else if (followUp != null) {
            entry.state = State.DELAYED;
            entry.dueAt = Math.max(windowEnd, now + delayOf(followUp));
        } else {
            entry.state = State.COOLING;
            entry.dueAt = windowEnd;
            startCooling(entry, now);
            return Decision.NOTHING;
        }
        return new Decision(Action.SCHEDULE, entry, entry.dueAt);
    }

    /**
     * Forgets devices whose window has passed. Entries start cooling in completion order with the same window, so
     * the oldest are at the head; no timer per device is needed for this.
     */
    private void forgetCooledDown(final long now) {
        Entry head;
        while ((head = coolingOrder.peek()) != null) {
            final boolean current = head.state == State.COOLING && head.tracked;
            if (current && head.dueAt - now > 0) {
                return;
            }
            coolingOrder.poll();
            if (current) {
                forget(head);
                cooling--;
            }
        }
    }

    private void forget(final Entry entry) {
        entries.remove(entry.key);
        entry.tracked = false;
    }

    private void startCooling(final Entry entry, final long now) {
        forgetCooledDown(now);
        cooling++;
        coolingOrder.add(entry);
        while (cooling > capacity) {
            final Entry oldest = coolingOrder.poll();
            if (oldest.state == State.COOLING && oldest.tracked) {
                forget(oldest);
                cooling--;
            }
        }
        if (coolingOrder.size() > 2 * capacity + 16) {
            coolingOrder.removeIf(stale -> stale.state != State.COOLING || !stale.tracked);
        }
    }

    /**
     * For shutdown: every waiting push (trailing or delayed) becomes due now, cooling entries are forgotten.
     *
     * @return the entries to deliver now
     */
    List<Entry> flush() {
        final List<Entry> due = new ArrayList<>();
        entries.values().removeIf(entry -> {
            if (entry.state == State.COOLING) {
                entry.tracked = false;
                return true;
            }
            return false;
        });
        cooling = 0;
        coolingOrder.clear();
        for (final Entry entry : entries.values()) {
            if (entry.state == State.TRAILING || entry.state == State.DELAYED) {
                entry.state = State.QUEUED;
                due.add(entry);
            }
        }
        return due;
    }
}
