package org.mailpush.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

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
    private Path bin;
    private final List<Path> running = new ArrayList<>();

    @AfterEach
    void stopServers() throws Exception {
        for (final Path data : running) {
            pgCtl("-D", data.toString(), "-m", "immediate", "stop");
        }
    }

    @Test
    void writesResumeOnThePromotedStandbyAndNothingAcknowledgedIsLost() throws Exception {
        bin = postgresBin();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final int primaryPort = freePort();
        final int standbyPort = freePort();
        final Path primary = dir.resolve("primary");
        final Path standby = dir.resolve("standby");

        final long t0 = System.nanoTime();
        run(bin.resolve("initdb").toString(), "-D", primary.toString(), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8");
        Files.writeString(primary.resolve("postgresql.conf"), String.join("\n",
                "port = " + primaryPort,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + dir + "'",
                "wal_level = replica",
                "max_wal_senders = 5",
                "hot_standby = on",
                ""), StandardOpenOption.APPEND);
        pgCtl("-D", primary.toString(), "-l", dir.resolve("primary.log").toString(), "-w", "start");
        running.add(primary);
        run(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primaryPort), "-U", "postgres",
                "-c", "CREATE DATABASE mailpush");
        run(bin.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primaryPort),
                "-U", "postgres", "-D", standby.toString(), "-R", "-X", "stream", "--checkpoint=fast");
        Files.writeString(standby.resolve("postgresql.conf"), "port = " + standbyPort + "\n",
                StandardOpenOption.APPEND);
        pgCtl("-D", standby.toString(), "-l", dir.resolve("standby.log").toString(), "-w", "start");
        running.add(standby);
        // Synchronous replication, once the standby is there (before, every commit would wait for it): a commit is
        // acknowledged only when the standby has it, so a failover cannot lose an acknowledged registration. This is
        // what a site running the pair must configure.
        run(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primaryPort), "-U", "postgres",
                "-c", "ALTER SYSTEM SET synchronous_standby_names = '*'", "-c", "SELECT pg_reload_conf()");
        await().atMost(Duration.ofSeconds(30)).until(() -> run(bin.resolve("psql").toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(primaryPort), "-U", "postgres", "-tAc",
                "SELECT sync_state FROM pg_stat_replication").strip().equals("sync"));

        System.out.printf("pair ready after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        final String url = "jdbc:postgresql://127.0.0.1:" + primaryPort + ",127.0.0.1:" + standbyPort
                + "/mailpush?targetServerType=primary&hostRecheckSeconds=1&connectTimeout=2&socketTimeout=10";
        try (TokenStore store = new TokenStoreBuilder().url(url).credentials("postgres", null)
                .connectionTimeout(Duration.ofSeconds(2)).failoverTimeout(Duration.ofSeconds(60)).build()) {
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

                pgCtl("-D", primary.toString(), "-m", "immediate", "stop");
                running.remove(primary);
                final long cut = System.nanoTime();
                final int acknowledgedBeforeCut = acknowledged.size();
                pgCtl("-D", standby.toString(), "-w", "promote");

                await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= acknowledgedBeforeCut + 100);
                final Duration resumedAfter = Duration.ofNanos(ackTimes.get(acknowledgedBeforeCut) - cut);
                System.out.printf("failover: %d registrations acknowledged before the cut, writes resumed %d ms after"
                        + " it, %d more acknowledged %d ms after it%n", acknowledgedBeforeCut, resumedAfter.toMillis(),
                        acknowledged.size() - acknowledgedBeforeCut, Duration.ofNanos(System.nanoTime() - cut).toMillis());
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

    private static Registration registration(final int n) {
        return Registration.of("failover", "ACC-" + n, String.format("%064x", n), "com.apple.mobilemail", 2,
                Set.of("INBOX"), null, Instant.parse("2026-11-27T00:00:00Z"));
    }

    /** The newest PostgreSQL's tools, {@code /usr/lib/postgresql/<version>/bin}, without naming a version. */
    private static Path postgresBin() throws IOException {
        final Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            throw new AssertionError("PostgreSQL is not installed (" + root + " missing): apt-get install postgresql");
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().split("\\.")[0])))
                    .map(v -> v.resolve("bin"))
                    .orElseThrow(() -> new AssertionError("no initdb under " + root));
        }
    }

    private void pgCtl(final String... args) throws Exception {
        final List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString()));
        command.addAll(List.of(args));
        run(command.toArray(String[]::new));
    }

    /**
     * Runs a PostgreSQL tool; as root, as the {@code postgres} user (the tools refuse root), owning the folder.
     */
    private String run(final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            final UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres");
            Files.setOwner(dir, postgres);
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", args) + " failed: " + output);
        }
        return output;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
