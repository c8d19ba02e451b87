package org.mailpush.benchmarks;

/**
 * Latencies in fixed memory: 100 ns buckets up to 1 ms, 10 µs buckets up to 100 ms, one overflow bucket. Enough
 * resolution for percentiles of lookups and requests; not thread-safe.
 */
final class LatencyHistogram {

    private static final int FINE = 10_000;          // 0..1 ms in 100 ns steps
    private static final int COARSE = 9_900;         // 1..100 ms in 10 µs steps
    private final long[] counts = new long[FINE + COARSE + 1];
    private long total;

    void record(final long nanos) {
        final int bucket;
        if (nanos < 1_000_000) {
            bucket = (int) (Math.max(0, nanos) / 100);
        } else if (nanos < 100_000_000) {
            bucket = FINE + (int) ((nanos - 1_000_000) / 10_000);
        } else {
            bucket = FINE + COARSE;
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
                return bucket < FINE ? (bucket + 1) * 100L : 1_000_000L + (bucket - FINE + 1) * 10_000L;
            }
        }
        return Long.MAX_VALUE;
    }
}
