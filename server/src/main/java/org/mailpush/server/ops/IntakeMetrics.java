package org.mailpush.server.ops;

import io.micrometer.core.instrument.MeterRegistry;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.IntakeListener;

import java.util.Objects;

/**
 * Counts what every intake door takes in, by door ({@code source}) and event type, and what it refuses, by kind;
 * then hands on to the listener that logs (so a sender stuck in a loop is logged once and counted always).
 * Thread-safe and non-blocking, as {@link IntakeListener} requires.
 */
public final class IntakeMetrics implements IntakeListener {

    private final MeterRegistry registry;
    private final IntakeListener next;

    public IntakeMetrics(final MeterRegistry registry, final IntakeListener next) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.next = Objects.requireNonNull(next, "next");
    }

    /** Counted on every event, from the doors' I/O threads: looked up once per source and type, not per event. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.Map<EventType, io.micrometer.core.instrument
            .Counter>> received = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void eventReceived(final IntakeEvent event) {
        received.computeIfAbsent(event.source(), source -> new java.util.concurrent.ConcurrentHashMap<>())
                .computeIfAbsent(event.type(), type -> registry.counter("mailpush_events_received",
                        "source", event.source(), "type", type.wireName()))
                .increment();
        next.eventReceived(event);
    }

    @Override
    public void eventIgnored(final String source, final EventType type) {
        registry.counter("mailpush_events_ignored", "source", source, "type", type.wireName()).increment();
        next.eventIgnored(source, type);
    }

    @Override
    public void badInput(final String source, final BadInputException error) {
        final String kind = error.kind().name().toLowerCase(java.util.Locale.ROOT);
        registry.counter("mailpush_bad_input", "source", source, "kind", kind).increment();
        if (error.refusesRegistration()) {
            registry.counter("mailpush_registrations_refused", "source", source, "reason", kind).increment();
        }
        if (error.refusesSubscription()) {
            registry.counter("mailpush_dav_subscriptions_refused", "source", source, "reason", kind).increment();
        }
        next.badInput(source, error);
    }

    @Override
    public void eventShed(final IntakeEvent event) {
        registry.counter("mailpush_events_shed", "source", event.source()).increment();
        if (event instanceof org.mailpush.notifyd.event.DeviceRegistration) {
            registry.counter("mailpush_registrations_refused", "source", event.source(), "reason", "shed")
                    .increment();
        }
        if (event instanceof org.mailpush.notifyd.event.DavSubscriptionRequest) {
            registry.counter("mailpush_dav_subscriptions_refused", "source", event.source(), "reason", "shed")
                    .increment();
        }
        next.eventShed(event);
    }
}
