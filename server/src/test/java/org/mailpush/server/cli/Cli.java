package org.mailpush.server.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code mailpush} command line in this JVM and keeps what it printed and its exit code. */
final class Cli {

    record Run(int exit, String out, String err) {

        /** Everything printed, for assertions that must hold on both streams (no stack traces, no secrets). */
        String all() {
            return out + err;
        }
    }

    private Cli() {
    }

    static Run mailpush(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine command = MailpushCommand.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        final int exit = command.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
