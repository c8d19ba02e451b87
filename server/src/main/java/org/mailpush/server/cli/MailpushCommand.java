package org.mailpush.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mailpush}: the top-level command; every action is a subcommand. */
@Command(name = "mailpush",
        mixinStandardHelpOptions = true,
        versionProvider = MailpushCommand.Version.class,
        description = {
                "Instant new-mail pushes to iPhone and iPad Mail from a self-hosted IMAP server.",
                "Takes XAPPLEPUSHSERVICE registrations and mailbox events from Cyrus or Dovecot and sends APNs "
                        + "pushes."},
        subcommands = {RunCommand.class, DemoCommand.class, CheckCommand.class, ConfigCommand.class, CertsCommand.class,
                TokensCommand.class, SendTestCommand.class, ServerConfigCommands.CyrusConfig.class,
                ServerConfigCommands.DovecotConfig.class, CommandLine.HelpCommand.class})
public final class MailpushCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command line with mailpush's error handling: bad options are one line, not a stack trace. */
    public static CommandLine commandLine() {
        return new CommandLine(new MailpushCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpAutoWidth(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String version = MailpushCommand.class.getPackage().getImplementationVersion();
            return new String[]{"mailpush " + (version != null ? version : "(development build)")};
        }
    }
}
