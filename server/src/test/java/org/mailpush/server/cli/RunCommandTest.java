package org.mailpush.server.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {

    @Test
    void refusesToRunAsRootWithoutTheExplicitFlag() {
        final RunCommand run = new RunCommand();
        run.runsAsRoot = () -> true;
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        final int exit;
        try {
            exit = new CommandLine(run).execute("--config", "/nonexistent/mailpush.yaml");
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(78);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("mailpush: refusing to run as root")
                .contains("--allow-root");

        // With the flag it goes on (and here stops at the missing configuration, naming it).
        final RunCommand allowed = new RunCommand();
        allowed.runsAsRoot = () -> true;
        final ByteArrayOutputStream err2 = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err2, true, StandardCharsets.UTF_8));
        try {
            assertThat(new CommandLine(allowed).execute("--allow-root", "--config", "/nonexistent/mailpush.yaml"))
                    .isEqualTo(78);
        } finally {
            System.setErr(saved);
        }
        assertThat(err2.toString(StandardCharsets.UTF_8)).contains("/nonexistent/mailpush.yaml: no such file");
    }
}
