package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.testing.PostgresCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A PostgreSQL primary and a synchronous streaming standby, made with the real tools ({@code initdb},
 * {@code pg_basebackup}, {@code pg_ctl}) in a temporary folder on free loopback ports. The store writes continuously
 * through a multi-host URL; the primary is stopped hard; the standby is promoted; writes resume, and every
 * registration acknowledged before the cut is there.
 */
class PostgresFailoverIT {

    @TempDir
    Path dir;

    @Test
    void writesResumeOnThePromotedStandbyAndNothingAcknowledgedIsLost() throws Exception {
        final long t0 = System.nanoTime();
        try (PostgresCluster primary = PostgresCluster.create(dir, "primary", "wal_level = replica",
                "max_wal_senders = 5", "hot_standby = on").start()) {
            primary.psql("CREATE DATABASE mailpush");
            try (PostgresCluster standby = primary.standby("standby").start()) {
                // Synchronous replication, once the standby is there (before, every commit would wait for it): a
                // commit is acknowledged only when the standby has it, so a failover cannot lose an acknowledged
                // registration. This is what a site running the pair must configure.
                primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()");
                await().atMost(Duration.ofSeconds(30)).until(() -> primary.psql(
                        "SELECT sync_state FROM pg_stat_replication").strip().equals("sync"));
                System.out.printf("pair ready after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
                failOver(primary, standby, t0);
            }
        }
    }

    private void failOver(final PostgresCluster primary, final PostgresCluster standby, final long t0)
            throws Exception {
        final String url = "jdbc:postgresql://127.0.0.1:" + primary.port() + ",127.0.0.1:" + standby.port()
                + "/mailpush?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=2&socketTimeout=10";
        try (TokenStore opened = new TokenStoreBuilder().url(url).credentials("postgres", null)
                .connectionTimeout(Duration.ofSeconds(2)).failoverTimeout(Duration.ofSeconds(60)).build()) {
            final RegistrationStore store = opened.registrations();
            final List<Integer> acknowledged = new CopyOnWriteArrayList<>();
            final List<Throwable> failures = new CopyOnWriteArrayList<>();
            final AtomicBoolean writing = new AtomicBoolean(true);
            final List<Long> ackTimes = new CopyOnWriteArrayList<>();
            final Thread writer = new Thread(() -> {
                for (int n = 0; writing.get(); n++) {
                    try {
                        store.register(registration(n));
                        acknowledged.add(n);
                        ackTimes.add(System.nanoTime());
                    } catch (final RuntimeException e) {
                        failures.add(e);
                    }
                }
            }, "writer");
            writer.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 200);

                primary.stopImmediately();
                final long cut = System.nanoTime();
                final int acknowledgedBeforeCut = acknowledged.size();
                standby.promote();

                await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= acknowledgedBeforeCut + 100);
                final Duration resumedAfter = Duration.ofNanos(ackTimes.get(acknowledgedBeforeCut) - cut);
                System.out.printf("failover: %d registrations acknowledged before the cut, writes resumed %d ms after"
                        + " it, %d more acknowledged %d ms after it%n", acknowledgedBeforeCut, resumedAfter.toMillis(),
                        acknowledged.size() - acknowledgedBeforeCut, Duration.ofNanos(System.nanoTime() - cut)
                                .toMillis());
            } finally {
                writing.set(false);
                writer.join(70_000);
            }

            System.out.printf("writer stopped after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(failures).as("no write failed: each waited for the new primary").isEmpty();
            for (final int n : acknowledged) {
                assertThat(store.find(registration(n).key())).as("acknowledged registration %d", n).isPresent();
            }
            assertThat(store.count()).isGreaterThanOrEqualTo(acknowledged.size());
            System.out.printf("checked after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }
        System.out.printf("store closed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Ten devices per user: the per-user device limit (100) is not what this test is about. */
    private static Registration registration(final int n) {
        return Registration.of("failover-" + n / 10, "ACC-" + n, String.format("%064x", n), "com.apple.mobilemail", 2,
                Set.of("INBOX"), null, Instant.parse("2026-11-27T00:00:00Z"));
    }
}
