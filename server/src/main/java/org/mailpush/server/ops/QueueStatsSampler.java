package org.mailpush.server.ops;

import org.mailpush.store.QueueStats;
import org.mailpush.store.TokenStoreException;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The shared push queue's figures for the gauges, counted by one query every {@link MailpushMetrics}' refresh (not
 * per scrape: a count over the queue is not free). When the store cannot answer, the last figures stay. Refreshed
 * on the metrics' refresher thread, read from any.
 */
final class QueueStatsSampler {

    private final Supplier<QueueStats> stats;
    private final Clock clock;
    private volatile QueueStats last = new QueueStats(0, 0, Optional.empty());

    QueueStatsSampler(final Supplier<QueueStats> stats, final Clock clock) {
        this.stats = stats;
        this.clock = clock;
    }

    void refresh() {
        try {
            last = stats.get();
        } catch (final TokenStoreException e) {
            // Counted as a store error where it failed; the gauges keep the last figures.
        }
    }

    double depth() {
        return last.depth();
    }

    double claimed() {
        return last.claimed();
    }

    double oldestSeconds() {
        return last.oldest().map(oldest -> Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0))
                .orElse(0.0);
    }
}
