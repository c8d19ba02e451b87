package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.service.MailpushService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code mailpush run}: the service, until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the mailpush service with the given configuration until it is stopped (SIGTERM/SIGINT).",
                "A bad configuration stops it at once with one line naming the key and the problem."})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = ConfigLoader.DEFAULT_FILE,
            description = "configuration file (default: ${DEFAULT-VALUE})")
    Path config;

    @Override
    public Integer call() {
        final MailpushConfig settings;
        try {
            settings = ConfigLoader.load(config);
        } catch (final ConfigException e) {
            System.err.println("mailpush: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        final MailpushService service;
        try {
            service = MailpushService.start(settings);
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
