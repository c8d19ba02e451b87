package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.service.MailpushService;
import org.mailpush.server.service.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code mailpush run}: the service, until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the mailpush service with the given configuration until it is stopped (SIGTERM/SIGINT).",
                "A bad configuration stops it at once with one line naming the key and the problem.",
                "Refuses to run as root (it holds the key that pushes to every phone and parses input from the"
                        + " network): run it as its own user, see docs/security.md, or give --allow-root."})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = ConfigLoader.DEFAULT_FILE,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--allow-root", description = "run even as root (not recommended; see docs/security.md)")
    boolean allowRoot;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "all",
            description = "all (default); or one side of a split install: intake (the doors and routing, never"
                    + " reads the APNs key) or pusher (sends the pushes the intake queued in the store)")
    String role;

    /** Whether this process runs as root; replaceable so the refusal can be tested as any user. */
    java.util.function.BooleanSupplier runsAsRoot = Privileges::isRoot;

    @Override
    public Integer call() {
        if (!allowRoot && runsAsRoot.getAsBoolean()) {
            System.err.println("mailpush: refusing to run as root: run it as its own user (docs/security.md,"
                    + " docs/systemd/mailpush.service), or give --allow-root");
            return ExitCodes.CONFIG;
        }
        final MailpushConfig settings;
        try {
            settings = ConfigLoader.load(config);
        } catch (final ConfigException e) {
            System.err.println("mailpush: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        final MailpushService service;
        try {
            final Role which;
            try {
                which = Role.valueOf(role.toUpperCase(java.util.Locale.ROOT));
            } catch (final IllegalArgumentException e) {
                System.err.println("mailpush: --role must be all, intake or pusher, not \"" + role + "\"");
                return ExitCodes.CONFIG;
            }
            service = MailpushService.start(settings, which);
        } catch (final MailpushService.StartupException e) {
            System.err.println("mailpush: cannot start: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
