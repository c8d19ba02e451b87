package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionStore;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;
import org.mailpush.store.TransferCount;
import org.mailpush.store.transfer.ArchiveException;
import org.mailpush.store.transfer.RegistrationArchive;
import org.mailpush.store.transfer.XapsdDatabase;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mailpush tokens ...}: the registrations (mail) and DAV subscriptions (calendars, address books), for admins.
 * Every subcommand opens the store of the configuration and works while {@code mailpush run} runs on it (H2 through
 * its auto-server, PostgreSQL as a second client). Device tokens are shown masked ({@link DeviceTokens#mask}) unless
 * {@code --full}.
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
        description = "List, show, revoke, back up, restore, export and import device registrations and DAV"
                + " subscriptions.",
        subcommands = {TokensCommand.ListTokens.class, TokensCommand.Show.class, TokensCommand.Revoke.class,
                TokensCommand.Backup.class, TokensCommand.Restore.class, TokensCommand.Export.class,
                TokensCommand.Import.class, TokensCommand.ImportXapsd.class})
final class TokensCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every subcommand does around its work: open the store, report failures in one line. */
    abstract static class StoreTask implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /**
         * @param store the configuration's store
         * @param where the store, as messages name it
         */
        abstract int work(TokenStore store, String where, PrintWriter out) throws IOException;

        @Override
        public Integer call() {
            final PrintWriter err = spec.commandLine().getErr();
            final TokenStore store;
            try {
                store = StoreFactory.open(config.load().store());
            } catch (final ConfigException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.CONFIG;
            } catch (final TokenStoreException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            }
            try (store) {
                return work(store, store.describe(), spec.commandLine().getOut());
            } catch (final IllegalArgumentException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            } catch (final IOException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            } catch (final ArchiveException | TokenStoreException e) {
                err.println("mailpush: " + e.getMessage() + " (the store was left as it was)");
                return ExitCodes.FAILED;
            }
        }
    }

    /** Device tokens and account ids are shown by their first 8 characters unless the admin asks for all. */
    static String shown(final String value, final boolean full) {
        return full ? value : DeviceTokens.mask(value);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists registrations, one line each: user, device token and account id (first 8"
                    + " characters unless --full), mailboxes watched, last registration; then DAV subscriptions:"
                    + " user, device token, kind, push key, expiry."})
    static final class ListTokens extends StoreTask {
        @Option(names = "--user", paramLabel = "U", description = "only this user's devices")
        String user;

        @Option(names = "--full", description = "show whole device tokens and account ids")
        boolean full;

        @Override
        int work(final TokenStore tokens, final String where, final PrintWriter out) {
            final RegistrationStore store = tokens.registrations();
            final List<Registration> registrations = new ArrayList<>();
            if (user != null) {
                registrations.addAll(store.registrationsOf(user));
            } else {
                store.export(registrations::add);
            }
            registrations.sort(Comparator.comparing(Registration::username)
                    .thenComparing(Registration::lastRegistered).thenComparing(Registration::deviceToken));
            final String format = full ? "%-24s %-64s %-36s %9s  %s%n" : "%-24s %-10s %-10s %9s  %s%n";
            out.printf(format, "USER", "DEVICE", "ACCOUNT", "MAILBOXES", "LAST REGISTERED");
            for (final Registration registration : registrations) {
                out.printf(format, registration.username(), shown(registration.deviceToken(), full),
                        shown(registration.accountId(), full), registration.mailboxes().size(),
                        registration.lastRegistered());
            }
            out.println(registrations.size() + " registration(s)" + (user != null ? " of " + user : ""));
            final List<DavSubscription> subscriptions = new ArrayList<>();
            if (user != null) {
                subscriptions.addAll(tokens.subscriptions().subscriptionsOf(user));
            } else {
                tokens.subscriptions().exportSubscriptions(subscriptions::add);
            }
            if (!subscriptions.isEmpty()) {
                subscriptions.sort(Comparator.comparing(DavSubscription::subscriber)
                        .thenComparing(DavSubscription::deviceToken).thenComparing(DavSubscription::collectionId));
                final Instant now = Instant.now();
                final String dav = full ? "%-24s %-64s %-8s %-40s %s%n" : "%-24s %-10s %-8s %-40s %s%n";
                out.println();
                out.printf(dav, "USER", "DEVICE", "KIND", "PUSH KEY", "EXPIRES");
                for (final DavSubscription subscription : subscriptions) {
                    out.printf(dav, subscription.subscriber(), shown(subscription.deviceToken(), full),
                            subscription.kind().label(), subscription.pushKey(), expiry(subscription, now));
                }
            }
            out.println(subscriptions.size() + " DAV subscription(s)" + (user != null ? " of " + user : ""));
            return 0;
        }
    }

    /** When a subscription expires, and whether it has (it is swept, and not pushed, from then on). */
    static String expiry(final DavSubscription subscription, final Instant now) {
        return subscription.expiresAt() + (subscription.expiredAt(now) ? " (expired)" : "");
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows every detail of a user's registrations and DAV subscriptions (or of one device of"
                    + " the user).")
    static final class Show extends StoreTask {
        @Option(names = "--user", paramLabel = "U", required = true, description = "the user")
        String user;

        @Option(names = "--device", paramLabel = "TOKEN",
                description = "only this device: its token, or its first 8 or more characters")
        String device;

        @Option(names = "--full", description = "show whole device tokens and account ids")
        boolean full;

        @Override
        int work(final TokenStore tokens, final String where, final PrintWriter out) {
            final List<Registration> registrations = matching(tokens.registrations(), user, device);
            final List<DavSubscription> subscriptions = matchingSubscriptions(tokens.subscriptions(), user, device);
            if (registrations.isEmpty() && subscriptions.isEmpty()) {
                spec.commandLine().getErr().println("mailpush: no registration or DAV subscription of " + user
                        + (device != null ? " with a device token starting " + DeviceTokens.mask(device) : ""));
                return ExitCodes.FAILED;
            }
            for (final Registration registration : registrations) {
                out.println("user            " + registration.username());
                out.println("device token    " + shown(registration.deviceToken(), full));
                out.println("account id      " + shown(registration.accountId(), full));
                out.println("aps-version     " + registration.apsVersion());
                out.println("subtopic        " + registration.subtopic());
                out.println("topic           " + registration.topic());
                out.println("mailboxes       " + String.join(", ", registration.mailboxes()));
                out.println("first registered " + registration.firstRegistered());
                out.println("last registered  " + registration.lastRegistered());
                out.println();
            }
            final Instant now = Instant.now();
            for (final DavSubscription subscription : subscriptions) {
                out.println("user            " + subscription.subscriber());
                out.println("DAV kind        " + subscription.kind().label());
                out.println("device token    " + shown(subscription.deviceToken(), full));
                out.println("push key        " + subscription.pushKey());
                out.println("collection id   " + subscription.collectionId());
                out.println("topic           " + subscription.topic());
                out.println("first subscribed " + subscription.firstSubscribed());
                out.println("last subscribed  " + subscription.lastSubscribed());
                out.println("expires          " + expiry(subscription, now));
                out.println();
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Removes a user's registrations and DAV subscriptions: all of them, or one device's. The"
                    + " device gets no more pushes until it registers or subscribes again (Mail does so when it next"
                    + " connects, Calendar and Contacts when they next refresh their subscriptions)."})
    static final class Revoke extends StoreTask {
        @Option(names = "--user", paramLabel = "U", required = true, description = "the user")
        String user;

        @Option(names = "--device", paramLabel = "TOKEN",
                description = "only this device: its token, or its first 8 or more characters")
        String device;

        @Override
        int work(final TokenStore tokens, final String where, final PrintWriter out) {
            final List<Registration> registrations = matching(tokens.registrations(), user, device);
            final List<DavSubscription> subscriptions = matchingSubscriptions(tokens.subscriptions(), user, device);
            final List<String> devices = java.util.stream.Stream.concat(
                    registrations.stream().map(Registration::deviceToken),
                    subscriptions.stream().map(DavSubscription::deviceToken)).distinct().toList();
            if (device != null && devices.size() > 1) {
                spec.commandLine().getErr().println("mailpush: " + DeviceTokens.mask(device) + " matches "
                        + devices.size() + " devices of " + user + "; give more of the token");
                return ExitCodes.FAILED;
            }
            if (devices.isEmpty()) {
                spec.commandLine().getErr().println("mailpush: no registration or DAV subscription of " + user
                        + (device != null ? " with a device token starting " + DeviceTokens.mask(device) : ""));
                return ExitCodes.FAILED;
            }
            final String token = device == null ? null : devices.get(0);
            final int removed = registrations.isEmpty() ? 0 : tokens.registrations().remove(user, token);
            final int unsubscribed = subscriptions.isEmpty() ? 0
                    : tokens.subscriptions().removeSubscriptions(user, token);
            out.println("Revoked " + removed + " registration(s) and " + unsubscribed + " DAV subscription(s) of "
                    + user + (token != null ? " for device " + DeviceTokens.mask(token) : ""));
            return 0;
        }
    }

    /**
     * The user's registrations whose device token starts with {@code device} (all of them when null).
     *
     * @throws IllegalArgumentException for a prefix shorter than the 8 characters mailpush shows
     */
    static List<Registration> matching(final RegistrationStore store, final String user, final String device) {
        if (device != null && device.length() < 8) {
            throw new IllegalArgumentException("--device needs at least the 8 characters 'tokens list' shows, not \""
                    + device + "\"");
        }
        final String prefix = device == null ? null : device.toLowerCase(java.util.Locale.ROOT);
        final List<Registration> result = new ArrayList<>();
        for (final Registration registration : store.registrationsOf(user)) {
            if (prefix == null || registration.deviceToken().startsWith(prefix)) {
                result.add(registration);
            }
        }
        return result;
    }

    /** As {@link #matching}, for the user's DAV subscriptions. */
    static List<DavSubscription> matchingSubscriptions(final DavSubscriptionStore store, final String user,
                                                       final String device) {
        final String prefix = device == null ? null : device.toLowerCase(java.util.Locale.ROOT);
        return store.subscriptionsOf(user).stream()
                .filter(subscription -> prefix == null || subscription.deviceToken().startsWith(prefix)).toList();
    }

    /** "3 registration(s) and 2 DAV subscription(s)", as every transfer reports what it moved. */
    static String counted(final TransferCount count) {
        return count.registrations() + " registration(s) and " + count.subscriptions() + " DAV subscription(s)";
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Writes every registration and DAV subscription to FILE (gzip-compressed JSON Lines,"
                    + " owner-only) from one consistent snapshot, while the service keeps running; no lock is held."})
    static final class Backup extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the backup file to write")
        Path file;

        @Override
        int work(final TokenStore store, final String where, final PrintWriter out) throws IOException {
            final TransferCount count = RegistrationArchive.write(store, file, true);
            out.println("Backed up " + counted(count) + " from " + where + " to " + file);
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Replaces every registration and DAV subscription with the content of a backup FILE, in"
                    + " one transaction: a damaged or truncated backup changes nothing. Refuses a store that is not"
                    + " empty unless --force."})
    static final class Restore extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "a file written by 'tokens backup' or 'tokens export'")
        Path file;

        @Option(names = "--force", description = "replace what the store holds now")
        boolean force;

        @Override
        int work(final TokenStore store, final String where, final PrintWriter out) {
            final TransferCount before = new TransferCount(store.registrations().count(),
                    store.subscriptions().countSubscriptions());
            if (before.total() > 0 && !force) {
                spec.commandLine().getErr().println("mailpush: " + where + " holds " + counted(before)
                        + "; restore replaces them all: add --force to go on");
                return ExitCodes.FAILED;
            }
            final TransferCount restored = store.importAll(RegistrationArchive.read(file, true),
                    RegistrationStore.ImportMode.REPLACE);
            out.println("Restored " + counted(restored) + " from " + file + " (replaced " + counted(before) + ")");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes every registration and DAV subscription to FILE as JSON Lines (one consistent"
                    + " snapshot).")
    static final class Export extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the JSON Lines file to write")
        Path file;

        @Override
        int work(final TokenStore store, final String where, final PrintWriter out) throws IOException {
            final TransferCount count = RegistrationArchive.write(store, file, false);
            out.println("Exported " + counted(count) + " to " + file);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Adds the registrations and DAV subscriptions of a JSON Lines FILE (from 'tokens export',"
                    + " or another store); an existing one is replaced only by a more recently registered or"
                    + " subscribed one."})
    static final class Import extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the JSON Lines file to read")
        Path file;

        @Override
        int work(final TokenStore store, final String where, final PrintWriter out) {
            final TransferCount written = store.importAll(RegistrationArchive.read(file, false),
                    RegistrationStore.ImportMode.MERGE);
            out.println("Imported " + counted(written) + " from " + file + "; the store holds "
                    + counted(new TransferCount(store.registrations().count(),
                    store.subscriptions().countSubscriptions())));
            return 0;
        }
    }

    @Command(name = "import-xapsd", mixinStandardHelpOptions = true,
            description = {"Imports the registrations of dovecot-xaps-daemon's database.json, so that a Dovecot"
                    + " site moving to mailpush keeps its phones; entries that cannot be used are listed."})
    static final class ImportXapsd extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "xapsd's database.json")
        Path file;

        @Override
        int work(final TokenStore tokens, final String where, final PrintWriter out) {
            final RegistrationStore store = tokens.registrations();
            final XapsdDatabase.Contents contents = XapsdDatabase.read(file, null, Instant.now());
            final long written = store.importRegistrations(contents.registrations(),
                    RegistrationStore.ImportMode.MERGE);
            out.println("Imported " + written + " of " + contents.registrations().size()
                    + " xapsd registration(s) from " + file + "; the store holds " + store.count());
            for (final String skipped : contents.skipped()) {
                out.println("  skipped " + skipped);
            }
            return 0;
        }
    }
}
