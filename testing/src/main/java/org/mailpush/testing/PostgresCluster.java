package org.mailpush.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of its own, made with the real tools of the installed PostgreSQL ({@code initdb},
 * {@code pg_ctl}, {@code pg_basebackup}, {@code psql} under {@code /usr/lib/postgresql/<newest>/bin}) in a
 * temporary folder, on a free loopback port, with trust authentication for user {@code postgres}: for tests that
 * stop, start or fail over a database, which the shared test database must not do. As root the tools run as the
 * {@code postgres} user (they refuse root), which then owns the folder.
 *
 * <p>When PostgreSQL is not installed, {@link #create} fails (never skips): {@code .ci/run} installs it.</p>
 */
public final class PostgresCluster implements AutoCloseable {

    private final Path bin;
    private final Path base;
    private final Path data;
    private final int port;
    private boolean running;

    private PostgresCluster(final Path bin, final Path base, final Path data, final int port) {
        this.bin = bin;
        this.base = base;
        this.data = data;
        this.port = port;
    }

    /**
     * Runs {@code initdb} into {@code base/name} and writes its configuration (port, loopback only, the socket in
     * {@code base}, and {@code extraSettings}); does not start it.
     */
    public static PostgresCluster create(final Path base, final String name, final String... extraSettings)
            throws IOException, InterruptedException {
        final Path bin = postgresBin();
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Folders.makeTraversable(base);
        final PostgresCluster cluster = new PostgresCluster(bin, base, base.resolve(name), freePort());
        cluster.run(bin.resolve("initdb").toString(), "-D", cluster.data.toString(), "-A", "trust", "-U",
                "postgres", "--no-sync", "-E", "UTF8");
        cluster.appendSettings(extraSettings);
        return cluster;
    }

    private void appendSettings(final String... extraSettings) throws IOException {
        final List<String> lines = new ArrayList<>(List.of(
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + base + "'"));
        lines.addAll(List.of(extraSettings));
        lines.add("");
        Files.writeString(data.resolve("postgresql.conf"), String.join("\n", lines), StandardOpenOption.APPEND);
    }

    /** A streaming standby of this (running) server, made with {@code pg_basebackup -R}; not started. */
    public PostgresCluster standby(final String name) throws IOException, InterruptedException {
        final PostgresCluster standby = new PostgresCluster(bin, base, base.resolve(name), freePort());
        run(bin.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U",
                "postgres", "-D", standby.data.toString(), "-R", "-X", "stream", "--checkpoint=fast");
        Files.writeString(standby.data.resolve("postgresql.conf"), "port = " + standby.port + "\n",
                StandardOpenOption.APPEND);
        return standby;
    }

    public int port() {
        return port;
    }

    /** A JDBC URL for {@code database} on this server. */
    public String jdbcUrl(final String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public PostgresCluster start() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", base.resolve(data.getFileName() + ".log")
                .toString(), "-w", "start");
        running = true;
        return this;
    }

    /** Stops at once, as a crash or a pulled plug would (no checkpoint). */
    public void stopImmediately() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop");
        running = false;
    }

    public void promote() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "promote");
    }

    /** Runs SQL statements with {@code psql} as {@code postgres}; returns what it printed (unaligned, tuples). */
    public String psql(final String... statements) throws IOException, InterruptedException {
        return psqlOn("postgres", statements);
    }

    /** As {@link #psql}, in {@code database}. */
    public String psqlOn(final String database, final String... statements) throws IOException, InterruptedException {
        return psqlAs("postgres", database, statements);
    }

    /**
     * As {@link #psqlOn}, logged in as {@code role} (trust authentication: no password); an SQL error throws an
     * {@link IOException} with psql's message.
     */
    public String psqlAs(final String role, final String database, final String... statements)
            throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1",
                "-p", String.valueOf(port), "-U", role, "-d", database, "-tA", "-v", "ON_ERROR_STOP=1"));
        for (final String statement : statements) {
            command.add("-c");
            command.add(statement);
        }
        return run(command.toArray(String[]::new));
    }

    @Override
    public void close() {
        if (running) {
            try {
                stopImmediately();
            } catch (final IOException e) {
                // Already down.
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The newest PostgreSQL's tools, {@code /usr/lib/postgresql/<version>/bin}, without naming a version. */
    static Path postgresBin() throws IOException {
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

    private String run(final String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            final UserPrincipal postgres = base.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres");
            Files.setOwner(base, postgres);
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
