package org.mailpush.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OS users for tests that run mailpush as separate unprivileged processes (as a site would): created as system
 * users without a login when missing; commands run as them through {@code runuser}. Needs root, as the
 * interop tests do.
 */
public final class SystemUsers {

    private SystemUsers() {
    }

    /** Makes sure the system user exists. */
    public static void ensure(final String user) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("this test creates OS users and runs processes as them: run it as root (CI"
                    + " does)");
        }
        if (run(List.of("id", "-u", user)).exit() == 0) {
            return;
        }
        final Result created = run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                user));
        if (created.exit() != 0) {
            throw new IOException("useradd " + user + " failed: " + created.output());
        }
    }

    public static UserPrincipal principal(final Path anyPath, final String user) throws IOException {
        return anyPath.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
    }

    /** Gives {@code path} to {@code user}. */
    public static void chown(final Path path, final String user) throws IOException {
        Files.setOwner(path, principal(path, user));
    }

    /** The command's exit code and output. */
    public record Result(int exit, String output) {
    }

    /** Runs a command as {@code user} and waits for it (at most a minute). */
    public static Result runAs(final String user, final String... command) throws IOException, InterruptedException {
        final List<String> full = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        full.addAll(List.of(command));
        return run(full);
    }

    /** Starts a command as {@code user}, its output into {@code log}. */
    public static Process startAs(final String user, final Path log, final String... command) throws IOException {
        final List<String> full = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static Result run(final List<String> command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        return new Result(process.exitValue(), output);
    }
}
