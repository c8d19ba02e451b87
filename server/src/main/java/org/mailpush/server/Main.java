package org.mailpush.server;

import org.mailpush.server.cli.MailpushCommand;

/** The {@code mailpush} command's entry point. */
public final class Main {

    private Main() {
    }

    public static void main(final String[] args) {
        System.exit(MailpushCommand.commandLine().execute(args));
    }
}
