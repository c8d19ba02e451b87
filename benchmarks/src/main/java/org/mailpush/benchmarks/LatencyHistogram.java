package org.mailpush.benchmarks;

/**
 * Latencies in fixed memory: 100 ns buckets up to 1 ms, 10 µs buckets up to 100 ms, 1 ms buckets up to 10 s, one
 * overflow bucket. Enough resolution for percentiles of lookups, requests and whole pipelines; not thread-safe.
 */
final class LatencyHistogram {

    private static final int FINE = 10_000;          // 0..1 ms in 100 ns steps
    private static final int COARSE = 9_900;         // 1..100 ms in 10 µs steps
    private static final int SLOW = 9_900;           // 100 ms..10 s in 1 ms steps
    private final long[] counts = new long[FINE + COARSE + SLOW + 1];
    private long total;

    void record(final long nanos) {
        final int bucket;
        if (nanos < 1_000_000) {
            bucket = (int) (Math.max(0, nanos) / 100);
        } else if (nanos < 100_000_000) {
            bucket = FINE + (int) ((nanos - 1_000_000) / 10_000);
        } else if (nanos < 10_000_000_000L) {
            bucket = FINE + COARSE + (int) ((nanos - 100_000_000) / 1_000_000);
        } else {
            bucket = FINE + COARSE + SLOW;
        }
        counts[bucket]++;
        total++;
    }

    /** The latency (upper bound of its bucket, in ns) at or below which {@code percent} of the samples lie. */
    long percentile(final double percent) {
        final long wanted = (long) Math.ceil(total * percent / 100.0);
        long seen = 0;
        for (int bucket = 0; bucket < counts.length; bucket++) {
            seen += counts[bucket];
            if (seen >= wanted && wanted > 0) {
                if (bucket < FINE) {
                    return (bucket + 1) * 100L;
                }
                if (bucket < FINE + COARSE) {
                    return 1_000_000L + (bucket - FINE + 1) * 10_000L;
                }
                return bucket < FINE + COARSE + SLOW ? 100_000_000L + (bucket - FINE - COARSE + 1) * 1_000_000L
                        : Long.MAX_VALUE;
            }
        }
        return Long.MAX_VALUE;
    }
}
