package org.mailpush.benchmarks;

import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Routing lookups on a store of 1,000,000 registrations (250,000 users with four devices each), on one engine per
 * JVM so that the resident memory is that engine's: {@code benchmarks/run store} runs H2 and PostgreSQL one after
 * the other and prints both. The lookup is the router's hot path, {@code registrationsWatching(owner, "INBOX")},
 * on one thread like the router, in two patterns: uniform over all users (the worst case for any cache) and a
 * working set of 10,000 users (mail keeps arriving for the same active users). Not a test: nothing asserts.
 *
 * <p>Arguments: {@code h2|postgresql [REGISTRATIONS]}. PostgreSQL: {@code MAILPUSH_BENCH_PG_URL} (default the test
 * database of .ci/run), {@code MAILPUSH_BENCH_PG_USER}/{@code _PASSWORD} (default mailpush/mailpush).</p>
 */
public final class StoreBenchmark {

    private static final int DEVICES_PER_USER = 4;
    private static final int HOT_USERS = 10_000;
    private static final Duration RUN = Duration.ofSeconds(10);

    private StoreBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final String engine = args.length > 0 ? args[0] : "h2";
        final int registrations = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        final int users = registrations / DEVICES_PER_USER;
        final TokenStoreBuilder builder;
        final Runnable cleanup;
        if (engine.equals("h2")) {
            final Path dir = Files.createTempDirectory("mailpush-store-bench-");
            builder = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens"));
            cleanup = () -> { };
        } else {
            final String url = env("MAILPUSH_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/mailpush_test");
            final String user = env("MAILPUSH_BENCH_PG_USER", "mailpush");
            final String password = env("MAILPUSH_BENCH_PG_PASSWORD", "mailpush");
            final String schema = "bench_" + System.nanoTime();
            sql(url, user, password, "CREATE SCHEMA " + schema);
            builder = new TokenStoreBuilder().url(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema)
                    .credentials(user, password);
            cleanup = () -> sql(url, user, password, "DROP SCHEMA " + schema + " CASCADE");
        }
        try (TokenStore opened = builder.build()) {
            final RegistrationStore store = opened.registrations();
            final long loadStarted = System.nanoTime();
            store.importRegistrations(registrations(registrations), RegistrationStore.ImportMode.REPLACE);
            final Duration load = Duration.ofNanos(System.nanoTime() - loadStarted);
            System.out.printf(Locale.ROOT, "%s: %s; loaded %,d registrations of %,d users in %d s, RSS %d MiB%n",
                    engine, opened.describe(), store.count(), users, load.toSeconds(), rssMiB());

            measure(store, engine, "uniform over all " + String.format(Locale.ROOT, "%,d", users) + " users", users);
            measure(store, engine, "working set of " + String.format(Locale.ROOT, "%,d", HOT_USERS) + " users",
                    HOT_USERS);
        } finally {
            cleanup.run();
        }
    }

    private static void measure(final RegistrationStore store, final String engine, final String pattern,
                                final int range) {
        final SplittableRandom random = new SplittableRandom(42);
        // Warm-up: one pass over the pattern's range (fills caches the way a running service would have).
        final long warmUpEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < warmUpEnd) {
            store.registrationsWatching(user(random.nextInt(range)), "INBOX");
        }
        final LatencyHistogram latencies = new LatencyHistogram();
        long count = 0;
        long found = 0;
        final long started = System.nanoTime();
        final long end = started + RUN.toNanos();
        long now = started;
        while (now < end) {
            final String user = user(random.nextInt(range));
            final long before = System.nanoTime();
            found += store.registrationsWatching(user, "INBOX").size();
            now = System.nanoTime();
            latencies.record(now - before);
            count++;
        }
        final double seconds = (now - started) / 1e9;
        System.out.printf(Locale.ROOT, "%s, %s: %,.0f lookups/s, p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs"
                        + " (%,d lookups, %.2f devices each), RSS %d MiB%n", engine, pattern, count / seconds,
                latencies.percentile(50) / 1e3, latencies.percentile(99) / 1e3, latencies.percentile(99.9) / 1e3,
                count, (double) found / count, rssMiB());
    }

    private static Iterable<Registration> registrations(final int n) {
        return () -> new Iterator<>() {
            private int next;
            private final Instant registered = Instant.now();

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Registration next() {
                if (next >= n) {
                    throw new NoSuchElementException();
                }
                final int i = next++;
                return Registration.of(user(i / DEVICES_PER_USER), String.format("%08X-ACCOUNT-%d", i, i),
                        String.format("%064x", (long) i * 2654435761L), "com.apple.mobilemail", 2,
                        Set.of("INBOX", "Sent", "Folder " + (i % 7)), "com.apple.mail.XServer.BENCH", registered);
            }
        };
    }

    private static String user(final int n) {
        return "user" + n + "@example.org";
    }

    private static long rssMiB() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (final java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    private static void sql(final String url, final String user, final String password, final String statement) {
        try (Connection connection = DriverManager.getConnection(url, user, password);
             Statement sql = connection.createStatement()) {
            sql.execute(statement);
        } catch (final java.sql.SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + url + ": " + e.getMessage(), e);
        }
    }

    private static String env(final String name, final String defaultValue) {
        final String value = System.getenv(name);
        return value == null || value.isBlank() ? defaultValue : value;
    }
}
