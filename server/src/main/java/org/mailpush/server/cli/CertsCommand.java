package org.mailpush.server.cli;

import org.mailpush.pusher.credentials.CredentialInspection;
import org.mailpush.pusher.credentials.CredentialInspector;
import org.mailpush.server.admin.CredentialInstaller;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.MailpushConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/** {@code mailpush certs ...}: look into and install APNs credentials. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Inspect and install Apple push credentials (certificate or token key).",
        subcommands = {CertsCommand.Inspect.class, CertsCommand.Install.class})
final class CertsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options that say how to read a credential file. */
    static final class CredentialOptions {
        @Parameters(index = "0", paramLabel = "FILE",
                description = "PKCS#12 (.p12), PEM certificate (with or without its key), or token key (.p8)")
        Path file;

        @Option(names = "--password-file", paramLabel = "F",
                description = "file whose first line is the password of the PKCS#12 file or the encrypted key")
        Path passwordFile;

        @Option(names = "--key", paramLabel = "F", description = "the private key's own PEM file, for a PEM"
                + " certificate whose key is not in FILE")
        Path keyFile;

        @Option(names = "--team-id", paramLabel = "ID", description = "for a token key: Apple's team id")
        String teamId;

        @Option(names = "--key-id", paramLabel = "ID", description = "for a token key: its key id (default: from"
                + " the file name AuthKey_<id>.p8)")
        String keyId;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "for a token key: the mail topic it pushes"
                + " to (com.apple.mail.XServer.<uuid>)")
        String topic;

        CredentialInspection inspect(final Clock clock) throws ConfigException {
            // Read as given, without the owner-only rule of the service's own files: inspecting a file an admin
            // was just handed must work wherever it lies.
            final char[] password = passwordFile == null ? null : firstLine(passwordFile);
            return new CredentialInspector(clock).inspect(file, keyFile, password, teamId, keyId, topic);
        }
    }

    static char[] firstLine(final Path file) throws ConfigException {
        try {
            final String text = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
            final int end = text.indexOf('\n');
            String line = end < 0 ? text : text.substring(0, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            return line.toCharArray();
        } catch (final java.nio.file.NoSuchFileException e) {
            throw new ConfigException("--password-file " + file + " does not exist");
        } catch (final java.io.IOException e) {
            throw new ConfigException("--password-file: cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Shows what a credential file holds: subject, topic, Apple environments, validity and"
                    + " days left, whether the key belongs to the certificate; warns about a topic that is not a"
                    + " mail topic or expiry within 30 days.",
                    "Exit code 0: mailpush can push with it; 1: it cannot (the problems are printed)."})
    static final class Inspect implements Callable<Integer> {
        @Mixin
        CredentialOptions credential;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Clock clock = Clock.systemUTC();

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            final CredentialInspection inspection;
            try {
                inspection = credential.inspect(clock);
            } catch (final ConfigException e) {
                spec.commandLine().getErr().println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            }
            CredentialReport.print(out, inspection, clock.instant());
            return inspection.valid() ? 0 : ExitCodes.FAILED;
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Checks a credential as inspect does and installs it.",
                    "A renewal (same topic as a configured credential) rewrites that credential's files in place,"
                            + " owner-only, keeping their form and password; a running 'mailpush run' picks it up"
                            + " within apns.reload-interval, without restart.",
                    "A new topic is written to credentials/ beside the configuration and added to apns.credentials;"
                            + " it is used from the next start. Install one credential per topic: mail"
                            + " (com.apple.mail.XServer.<uuid>), calendar (com.apple.calendar.XServer.<uuid>) and"
                            + " contacts (com.apple.contact.XServer.<uuid>) each have their own certificate."})
    static final class Install implements Callable<Integer> {
        @Mixin
        CredentialOptions credential;

        @Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final Clock clock = Clock.systemUTC();
            final MailpushConfig settings;
            final CredentialInspection inspection;
            try {
                settings = config.load();
                inspection = credential.inspect(clock);
            } catch (final ConfigException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.CONFIG;
            }
            CredentialReport.print(out, inspection, clock.instant());
            if (!inspection.valid()) {
                err.println("mailpush: not installed: " + credential.file + " is not usable");
                return ExitCodes.FAILED;
            }
            try {
                final CredentialInstaller.Outcome outcome = new CredentialInstaller(config.file, settings, clock)
                        .install(inspection);
                if (outcome.replaced()) {
                    out.println("installed: replaced " + outcome.entryKey() + " (" + inspection.topic() + "): wrote "
                            + join(outcome) + "; a running mailpush reloads it within "
                            + settings.apns().delivery().reloadInterval().toSeconds() + " s");
                } else {
                    out.println("installed: added " + outcome.entryKey() + " (" + inspection.topic() + ") to "
                            + config.file.toAbsolutePath() + ": wrote " + join(outcome)
                            + "; restart mailpush to use the new topic");
                    org.mailpush.pusher.credentials.PushTopics.kindOf(inspection.topic()).ifPresent(kind -> {
                        if (kind != org.mailpush.store.PushTarget.Kind.MAIL) {
                            out.println("Cyrus offers " + kind.label() + " push once imapd.conf has "
                                    + (kind == org.mailpush.store.PushTarget.Kind.CALENDAR ? "aps_topic_caldav"
                                    : "aps_topic_carddav") + ": " + inspection.topic()
                                    + " (mailpush cyrus-config prints every line)");
                        }
                    });
                }
                return 0;
            } catch (final CredentialInstaller.InstallException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            }
        }

        private static String join(final CredentialInstaller.Outcome outcome) {
            return String.join(", ", outcome.written().stream().map(Path::toString).toList());
        }
    }
}
