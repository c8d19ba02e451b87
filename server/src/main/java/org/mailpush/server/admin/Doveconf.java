package org.mailpush.server.admin;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Dovecot's own configuration tool, {@code doveconf}, run to read the effective configuration of the Dovecot on this
 * machine: {@code doveconf -n} for every setting that differs from Dovecot's defaults, {@code doveconf -h KEY} for
 * one value that {@code -n} hides ({@code #hidden_use-P_to_show#} replaces a URL's user part).
 *
 * <p>Each call starts one process and waits at most {@link #TIMEOUT}. Not thread-safe; used by one check.</p>
 */
final class Doveconf {

    /** Raised when doveconf ran but did not give the configuration: the first line of its error output. */
    static final class DoveconfException extends Exception {
        DoveconfException(final String message) {
            super(message);
        }
    }

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path executable;
    private final Path dovecotConfig;

    /**
     * @param executable    the doveconf program
     * @param dovecotConfig the dovecot.conf to read ({@code doveconf -c}), {@code null} for Dovecot's default
     */
    Doveconf(final Path executable, final Path dovecotConfig) {
        this.executable = executable;
        this.dovecotConfig = dovecotConfig;
    }

    /**
     * The {@code doveconf} found first on {@code searchPath} (as the {@code PATH} variable: folders separated by
     * {@code :}), empty when there is none (Dovecot is not installed here, or runs on another host).
     */
    static Optional<Path> find(final String searchPath) {
        if (searchPath == null) {
            return Optional.empty();
        }
        for (final String folder : searchPath.split(File.pathSeparator)) {
            if (folder.isEmpty()) {
                continue;
            }
            final Path candidate = Path.of(folder, "doveconf");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The program run, for messages. */
    String describe() {
        return executable + (dovecotConfig == null ? " -n" : " -c " + dovecotConfig + " -n");
    }

    /** {@code doveconf -n}: the configuration Dovecot runs with, minus its defaults. */
    DovecotSettings effective() throws DoveconfException {
        return DovecotSettings.parse(run("-n"));
    }

    /** {@code doveconf -h KEY}: one setting's value as written, secrets included (never print it). */
    String value(final String key) throws DoveconfException {
        return run("-h", key).strip();
    }

    private String run(final String... arguments) throws DoveconfException {
        final List<String> command = new ArrayList<>();
        command.add(executable.toString());
        if (dovecotConfig != null) {
            command.add("-c");
            command.add(dovecotConfig.toString());
        }
        command.addAll(List.of(arguments));
        final Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (final IOException e) {
            throw new DoveconfException("cannot run " + executable + ": " + e.getMessage());
        }
        final CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        final CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new DoveconfException(String.join(" ", command) + " gave no answer within "
                        + TIMEOUT.toSeconds() + " s");
            }
            final String output = out.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            final String errors = err.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (process.exitValue() != 0) {
                final String first = errors.lines().filter(line -> !line.isBlank()).findFirst()
                        .orElse("no error message");
                throw new DoveconfException(String.join(" ", command) + " failed (exit " + process.exitValue()
                        + "): " + first);
            }
            return output;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new DoveconfException("interrupted while running " + executable);
        } catch (final ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new DoveconfException("cannot read what " + executable + " printed: " + e);
        }
    }

    private static String readAll(final InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "";
        }
    }
}
