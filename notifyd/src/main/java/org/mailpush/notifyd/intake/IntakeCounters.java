package org.mailpush.notifyd.intake;

import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts intake outcomes and logs bad input once per (source, kind) with its reason, so a sender stuck in a loop
 * cannot flood the log; later occurrences go to DEBUG and the counters keep the totals.
 *
 * <p>Thread-safe and lock-free on the counting path.</p>
 */
public final class IntakeCounters implements IntakeListener {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeCounters.class);

    private final Map<EventType, LongAdder> received = new EnumMap<>(EventType.class);
    private final Map<EventType, LongAdder> ignored = new EnumMap<>(EventType.class);
    private final Map<BadInputKind, LongAdder> bad = new EnumMap<>(BadInputKind.class);
    private final Map<BadInputKind, LongAdder> refusedRegistrations = new EnumMap<>(BadInputKind.class);
    private final Map<BadInputKind, LongAdder> refusedSubscriptions = new EnumMap<>(BadInputKind.class);
    private final Map<String, Boolean> logged = new ConcurrentHashMap<>();
    private final LongAdder shed = new LongAdder();

    public IntakeCounters() {
        for (final EventType type : EventType.values()) {
            received.put(type, new LongAdder());
            ignored.put(type, new LongAdder());
        }
        for (final BadInputKind kind : BadInputKind.values()) {
            bad.put(kind, new LongAdder());
            refusedRegistrations.put(kind, new LongAdder());
            refusedSubscriptions.put(kind, new LongAdder());
        }
    }

    @Override
    public void eventReceived(final IntakeEvent event) {
        received.get(event.type()).increment();
    }

    @Override
    public void eventIgnored(final String source, final EventType type) {
        ignored.get(type).increment();
    }

    @Override
    public void badInput(final String source, final BadInputException error) {
        bad.get(error.kind()).increment();
        if (error.refusesRegistration()) {
            refusedRegistrations.get(error.kind()).increment();
        }
        if (error.refusesSubscription()) {
            refusedSubscriptions.get(error.kind()).increment();
        }
        if (error.refusesRegistration() && logged.putIfAbsent(source + "/registration/" + error.kind(),
                Boolean.TRUE) == null) {
            // Cyrus and the xaps plugin answer the phone OK before mailpush sees the registration: say so, since the
            // phone will not retry and nobody else will notice.
            LOG.warn("Refused a device registration on {}: {} ({}). The phone was not told and gets no pushes until"
                    + " it registers again; further {} refusals there are counted"
                    + " (mailpush_registrations_refused), logged at DEBUG only",
                    source, error.getMessage(), error.kind(), error.kind());
        } else if (error.refusesSubscription() && logged.putIfAbsent(source + "/subscription/" + error.kind(),
                Boolean.TRUE) == null) {
            // Cyrus's httpd answered the subscription 200 before mailpush saw it: as for registrations.
            LOG.warn("Refused a calendar/contacts subscription on {}: {} ({}). The device was told OK and gets no"
                    + " pushes for that collection until it subscribes again; further {} refusals there are"
                    + " counted (mailpush_dav_subscriptions_refused), logged at DEBUG only",
                    source, error.getMessage(), error.kind(), error.kind());
        } else if (!error.refusesRegistration() && !error.refusesSubscription()
                && logged.putIfAbsent(source + "/" + error.kind(), Boolean.TRUE) == null) {
            LOG.warn("Refused input on {}: {} ({}); further {} inputs there are counted, logged at DEBUG only",
                    source, error.getMessage(), error.kind(), error.kind());
        } else {
            LOG.debug("Refused input on {}: {} ({})", source, error.getMessage(), error.kind());
        }
    }

    @Override
    public void eventShed(final IntakeEvent event) {
        shed.increment();
        if (logged.putIfAbsent(event.source() + "/shed", Boolean.TRUE) == null) {
            LOG.warn("Routing queue full: dropped a {} event from {}; further drops are counted, logged at DEBUG only",
                    event.type().wireName(), event.source());
        }
    }

    public long received(final EventType type) {
        return received.get(type).sum();
    }

    public long ignored(final EventType type) {
        return ignored.get(type).sum();
    }

    public long badInput(final BadInputKind kind) {
        return bad.get(kind).sum();
    }

    /** Device registrations refused for {@code kind}, on every door. */
    public long refusedRegistrations(final BadInputKind kind) {
        return refusedRegistrations.get(kind).sum();
    }

    /** DAV subscriptions refused for {@code kind}, on every door. */
    public long refusedSubscriptions(final BadInputKind kind) {
        return refusedSubscriptions.get(kind).sum();
    }

    public long shed() {
        return shed.sum();
    }
}
