package org.mailpush.server.cli;

import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.PushResult;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.server.service.PusherFactory;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code mailpush send-test}: a push to every device of a user, now, with Apple's answer for each. Uses the
 * install's credentials and store from its own process, so it works while {@code mailpush run} runs.
 */
@Command(name = "send-test", mixinStandardHelpOptions = true,
        description = {"Pushes to every registered device of a user now (outside coalescing) and prints Apple's"
                + " answer per device: accepted, or the status and reason.",
                "--kind calendar or contacts pushes the user's DAV subscriptions instead, each on its own topic"
                        + " with its collection's push key, as a change in that calendar or address book would.",
                "A device Apple reports as gone (410 Unregistered, 400 BadDeviceToken) is removed, as the service"
                        + " would remove it.",
                "Exit code 0 when Apple accepted every push, 1 otherwise."})
final class SendTestCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--user", paramLabel = "U", required = true, description = "the user whose devices to push")
    String user;

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "mail",
            description = "which pushes: mail (the user's XAPPLEPUSHSERVICE registrations), calendar or contacts"
                    + " (the user's DAV subscriptions not expired, each pushed with its collection's key)"
                    + " (default: ${DEFAULT-VALUE})")
    String kind;

    @Option(names = "--mailbox", paramLabel = "M",
            description = "only the devices watching this mailbox (as the client names it, e.g. INBOX)")
    String mailbox;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "how long to wait for Apple's answers, retries included (default: ${DEFAULT-VALUE})")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Duration wait;
        try {
            wait = Duration.parse("PT" + timeout.toUpperCase(java.util.Locale.ROOT));
        } catch (final java.time.format.DateTimeParseException e) {
            err.println("mailpush: --timeout must be like 30s or 2m, not \"" + timeout + "\"");
            return ExitCodes.FAILED;
        }
        final MailpushConfig settings;
        try {
            settings = config.load();
            ConfigLoader.requireCredentials(settings);
        } catch (final ConfigException e) {
            err.println("mailpush: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        final PushTarget.Kind wanted;
        try {
            wanted = PushTarget.Kind.fromLabel(kind);
        } catch (final IllegalArgumentException e) {
            err.println("mailpush: --kind must be mail, calendar or contacts, not \"" + kind + "\"");
            return ExitCodes.FAILED;
        }
        if (mailbox != null && wanted != PushTarget.Kind.MAIL) {
            err.println("mailpush: --mailbox goes with --kind mail only");
            return ExitCodes.FAILED;
        }
        try (TokenStore store = StoreFactory.open(settings.store())) {
            final List<? extends PushTarget> devices = targets(store, wanted);
            if (devices.isEmpty()) {
                err.println("mailpush: " + (wanted == PushTarget.Kind.MAIL ? "no device of " + user
                        + " is registered" + (mailbox != null ? " for " + mailbox : "")
                        : user + " has no " + wanted.label() + " subscription that has not expired") + " in "
                        + store.describe());
                return ExitCodes.FAILED;
            }
            try (ApnsPusher pusher = PusherFactory.build(settings.apns(), store.registrations(),
                    store.subscriptions())) {
                out.println("Pushing to " + devices.size() + " device(s) of " + user + " via "
                        + pusher.credentials().get(0).apnsHost() + " ...");
                out.flush();
                final List<CompletableFuture<PushResult>> sent = new ArrayList<>();
                for (final PushTarget device : devices) {
                    sent.add(pusher.send(device));
                }
                final long deadline = System.nanoTime() + wait.toNanos();
                boolean allAccepted = true;
                for (int i = 0; i < devices.size(); i++) {
                    final String label = label(devices.get(i));
                    try {
                        final PushResult result = sent.get(i).get(Math.max(0, deadline - System.nanoTime()),
                                TimeUnit.NANOSECONDS);
                        out.println((result.accepted() ? "accepted  " : "REJECTED  ") + label + ": "
                                + result.describe());
                        allAccepted &= result.accepted();
                    } catch (final TimeoutException e) {
                        out.println("NO ANSWER " + label + ": none within " + timeout + " (still retrying)");
                        allAccepted = false;
                    } catch (final ExecutionException e) {
                        out.println("FAILED    " + label + ": " + e.getCause());
                        allAccepted = false;
                    }
                }
                out.flush();
                return allAccepted ? 0 : ExitCodes.FAILED;
            } catch (final IOException e) {
                err.println("mailpush: cannot set up APNs: " + e.getMessage());
                return ExitCodes.CONFIG;
            }
        } catch (final TokenStoreException e) {
            err.println("mailpush: " + e.getMessage());
            return ExitCodes.FAILED;
        } catch (final ConfigException e) {
            err.println("mailpush: " + e.getMessage());
            return ExitCodes.CONFIG;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILED;
        }
    }

    private List<? extends PushTarget> targets(final TokenStore store, final PushTarget.Kind wanted) {
        if (wanted == PushTarget.Kind.MAIL) {
            return mailbox == null ? store.registrations().registrationsOf(user)
                    : store.registrations().registrationsWatching(user, mailbox);
        }
        final java.time.Instant now = java.time.Instant.now();
        return store.subscriptions().subscriptionsOf(user).stream()
                .filter(subscription -> subscription.kind() == wanted && !subscription.expiredAt(now)).toList();
    }

    private static String label(final PushTarget device) {
        if (device instanceof Registration registration) {
            return DeviceTokens.mask(registration.deviceToken()) + " (account "
                    + DeviceTokens.mask(registration.accountId()) + ", topic " + registration.topic() + ")";
        }
        final DavSubscription subscription = (DavSubscription) device;
        return DeviceTokens.mask(subscription.deviceToken()) + " (" + subscription.kind().label() + " key "
                + subscription.pushKey() + ", topic " + subscription.topic() + ")";
    }
}
