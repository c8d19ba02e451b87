package org.mailpush.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The body of {@code /status.json}, which the status page draws: read from the same meters {@code /metrics}
 * exposes, so both always agree. Holds no user data beyond masked device tokens: no account ids, no user names.
 */
public final class StatusReport {

    private final MailpushMetrics metrics;
    private final Supplier<Readiness> readiness;
    private final Clock clock;

    public StatusReport(final MailpushMetrics metrics, final Supplier<Readiness> readiness, final Clock clock) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.clock = clock;
    }

    public Map<String, Object> build() {
        final MeterRegistry registry = metrics.registry();
        final Map<String, Object> report = new LinkedHashMap<>();
        report.put("generatedAt", clock.instant().toString());
        final Readiness ready = readiness.get();
        report.put("ready", ready.ready());
        report.put("problems", ready.problems());

        final Map<String, Object> pushes = new LinkedHashMap<>();
        pushes.put("accepted", (long) sum(registry, "mailpush_pushes_accepted"));
        pushes.put("rejected", (long) sum(registry, "mailpush_pushes_rejected"));
        pushes.put("failed", (long) sum(registry, "mailpush_pushes_failed"));
        pushes.put("coalesced", (long) sum(registry, "mailpush_pushes_coalesced"));
        pushes.put("shed", (long) sum(registry, "mailpush_pushes_shed"));
        pushes.put("pending", (long) gauge(registry, "mailpush_pushes_pending"));
        pushes.put("inFlight", (long) gauge(registry, "mailpush_apns_in_flight"));
        pushes.put("rejectedByReason", byTag(registry, "mailpush_pushes_rejected", "reason"));
        pushes.put("failedByReason", byTag(registry, "mailpush_pushes_failed", "reason"));
        final Map<String, Map<String, Long>> outcomesByKind = new LinkedHashMap<>();
        for (final String outcome : java.util.List.of("accepted", "rejected", "failed")) {
            outcomesByKind.put(outcome, byTag(registry, "mailpush_pushes_" + outcome, "kind"));
        }
        final Map<String, Object> byKind = new LinkedHashMap<>();
        for (final org.mailpush.store.PushTarget.Kind kind : org.mailpush.store.PushTarget.Kind.values()) {
            final Map<String, Object> counts = new LinkedHashMap<>();
            outcomesByKind.forEach((outcome, byLabel) -> counts.put(outcome, byLabel.getOrDefault(kind.label(), 0L)));
            final io.micrometer.core.instrument.Timer latency = metrics.pushes().latency(kind);
            counts.put("latencyP50Ms", latency.count() == 0 ? null : percentiles(latency).get("p50Ms"));
            byKind.put(kind.label(), counts);
        }
        pushes.put("byKind", byKind);
        report.put("pushes", pushes);

        final Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("count", metrics.pushes().latency().count());
        for (final ValueAtPercentile value : metrics.pushes().latency().takeSnapshot().percentileValues()) {
            latency.put("p" + Math.round(value.percentile() * 100) + "Ms",
                    Math.round(value.value(java.util.concurrent.TimeUnit.MICROSECONDS)) / 1000.0);
        }
        report.put("latency", latency);
        // Its two parts: the pipeline to the request leaving (pushes sent at once, and those that waited on purpose),
        // and Apple's answer.
        final Map<String, Object> parts = new LinkedHashMap<>();
        parts.put("eventToRequest", percentiles(metrics.pushes().dispatchLatency(false)));
        parts.put("eventToRequestAfterCoalescing", percentiles(metrics.pushes().dispatchLatency(true)));
        parts.put("requestToAnswer", percentiles(metrics.pushes().roundTrip()));
        report.put("latencyParts", parts);

        final Map<String, Object> events = new LinkedHashMap<>();
        events.put("received", (long) sum(registry, "mailpush_events_received"));
        events.put("badInput", (long) sum(registry, "mailpush_bad_input"));
        events.put("shed", (long) sum(registry, "mailpush_events_shed"));
        events.put("receivedBySource", byTag(registry, "mailpush_events_received", "source"));
        report.put("events", events);
        report.put("registrations", metrics.registrations());

        final List<Map<String, Object>> minutes = new ArrayList<>();
        for (final PushHistory.Minute minute : metrics.history().lastHour()) {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("minute", minute.minute() * 60_000);
            entry.put("accepted", minute.accepted());
            entry.put("rejected", minute.rejected());
            entry.put("failed", minute.failed());
            minutes.add(entry);
        }
        report.put("perMinute", minutes);
        report.put("checks", ready.checks());
        final List<Map<String, Object>> failures = new ArrayList<>();
        for (final PushHistory.Failure failure : metrics.history().recentFailures()) {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("at", failure.at().toString());
            entry.put("device", failure.device());
            entry.put("status", failure.status());
            entry.put("reason", failure.reason());
            failures.add(entry);
        }
        report.put("recentFailures", failures);
        return report;
    }

    /** The total of a counter over all its tags. */
    static double sum(final MeterRegistry registry, final String name) {
        double total = 0;
        for (final Counter counter : registry.find(name).counters()) {
            total += counter.count();
        }
        for (final FunctionCounter counter : registry.find(name).functionCounters()) {
            total += counter.count();
        }
        return total;
    }

    private static double gauge(final MeterRegistry registry, final String name) {
        final Gauge gauge = registry.find(name).gauge();
        return gauge == null ? 0 : gauge.value();
    }

    private static Map<String, Long> byTag(final MeterRegistry registry, final String name, final String tag) {
        final Map<String, Long> result = new TreeMap<>();
        for (final Counter counter : registry.find(name).counters()) {
            result.merge(String.valueOf(counter.getId().getTag(tag)), (long) counter.count(), Long::sum);
        }
        return result;
    }

    private static Map<String, Object> percentiles(final io.micrometer.core.instrument.Timer timer) {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("count", timer.count());
        for (final ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
            final String name = String.valueOf(Math.round(value.percentile() * 1000) / 10.0).replaceAll("\\.0$", "")
                    .replace('.', '_');
            values.put("p" + name + "Ms", Math.round(value.value(java.util.concurrent.TimeUnit.MICROSECONDS)) / 1000.0);
        }
        return values;
    }
}
