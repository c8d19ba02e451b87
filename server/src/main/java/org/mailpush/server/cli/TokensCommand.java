package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.StoreFactory;
import org.mailpush.common.mail.DeviceTokens;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreException;
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
 * {@code mailpush tokens ...}: the registrations, for admins. Every subcommand opens the store of the configuration
 * and works while {@code mailpush run} runs on it (H2 through its auto-server, PostgreSQL as a second client).
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
        description = "List, show, revoke, back up, restore, export and import device registrations.",
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
         * @param store the registrations of the configuration's store
         * @param where the store, as messages name it
         */
        abstract int work(RegistrationStore store, String where, PrintWriter out) throws IOException;

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
                return work(store.registrations(), store.describe(), spec.commandLine().getOut());
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
                    + " characters unless --full), mailboxes watched, last registration."})
    static final class ListTokens extends StoreTask {
        @Option(names = "--user", paramLabel = "U", description = "only this user's devices")
        String user;

        @Option(names = "--full", description = "show whole device tokens and account ids")
        boolean full;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
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
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows every detail of a user's registrations (or of one device of the user).")
    static final class Show extends StoreTask {
        @Option(names = "--user", paramLabel = "U", required = true, description = "the user")
        String user;

        @Option(names = "--device", paramLabel = "TOKEN",
                description = "only this device: its token, or its first 8 or more characters")
        String device;

        @Option(names = "--full", description = "show whole device tokens and account ids")
        boolean full;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
            final List<Registration> registrations = matching(store, user, device);
            if (registrations.isEmpty()) {
                spec.commandLine().getErr().println("mailpush: no registration of " + user
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
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Removes a user's registrations: all of them, or one device's. The device gets no more"
                    + " pushes until it registers again (Mail does so when it next connects)."})
    static final class Revoke extends StoreTask {
        @Option(names = "--user", paramLabel = "U", required = true, description = "the user")
        String user;

        @Option(names = "--device", paramLabel = "TOKEN",
                description = "only this device: its token, or its first 8 or more characters")
        String device;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
            final List<Registration> registrations = matching(store, user, device);
            if (device != null && registrations.size() > 1
                    && registrations.stream().map(Registration::deviceToken).distinct().count() > 1) {
                spec.commandLine().getErr().println("mailpush: " + DeviceTokens.mask(device) + " matches "
                        + registrations.size() + " devices of " + user + "; give more of the token");
                return ExitCodes.FAILED;
            }
            if (registrations.isEmpty()) {
                spec.commandLine().getErr().println("mailpush: no registration of " + user
                        + (device != null ? " with a device token starting " + DeviceTokens.mask(device) : ""));
                return ExitCodes.FAILED;
            }
            final int removed = device == null ? store.remove(user, null)
                    : store.remove(user, registrations.get(0).deviceToken());
            out.println("Revoked " + removed + " registration(s) of " + user
                    + (device != null ? " for device " + DeviceTokens.mask(registrations.get(0).deviceToken()) : ""));
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

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Writes every registration to FILE (gzip-compressed JSON Lines, owner-only) from one"
                    + " consistent snapshot, while the service keeps running; no lock is held."})
    static final class Backup extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the backup file to write")
        Path file;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) throws IOException {
            final long count = RegistrationArchive.write(store, file, true);
            out.println("Backed up " + count + " registration(s) from " + where + " to " + file);
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Replaces every registration with the content of a backup FILE, in one transaction: a"
                    + " damaged or truncated backup changes nothing. Refuses a store that is not empty unless"
                    + " --force."})
    static final class Restore extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "a file written by 'tokens backup' or 'tokens export'")
        Path file;

        @Option(names = "--force", description = "replace registrations the store holds now")
        boolean force;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
            final long before = store.count();
            if (before > 0 && !force) {
                spec.commandLine().getErr().println("mailpush: " + where + " holds " + before
                        + " registration(s); restore replaces them all: add --force to go on");
                return ExitCodes.FAILED;
            }
            final long restored = store.importRegistrations(RegistrationArchive.read(file, true),
                    RegistrationStore.ImportMode.REPLACE);
            out.println("Restored " + restored + " registration(s) from " + file + " (replaced " + before + ")");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Writes every registration to FILE as JSON Lines (one consistent snapshot).")
    static final class Export extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the JSON Lines file to write")
        Path file;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) throws IOException {
            final long count = RegistrationArchive.write(store, file, false);
            out.println("Exported " + count + " registration(s) to " + file);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Adds the registrations of a JSON Lines FILE (from 'tokens export', or another store);"
                    + " an existing registration is replaced only by a more recent one."})
    static final class Import extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the JSON Lines file to read")
        Path file;

        @Override
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
            final long written = store.importRegistrations(RegistrationArchive.read(file, false),
                    RegistrationStore.ImportMode.MERGE);
            out.println("Imported " + written + " registration(s) from " + file + "; the store holds "
                    + store.count());
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
        int work(final RegistrationStore store, final String where, final PrintWriter out) {
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
