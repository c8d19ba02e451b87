package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.StoreFactory;
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
import java.util.concurrent.Callable;

/**
 * {@code mailpush tokens ...}: the registrations, for admins. Every subcommand opens the store of the configuration
 * and works while {@code mailpush run} runs on it (H2 through its auto-server, PostgreSQL as a second client).
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
        description = "Back up, restore, export and import device registrations.",
        subcommands = {TokensCommand.Backup.class, TokensCommand.Restore.class, TokensCommand.Export.class,
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

        abstract int work(TokenStore store, PrintWriter out) throws IOException;

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
                return work(store, spec.commandLine().getOut());
            } catch (final IOException e) {
                err.println("mailpush: " + e.getMessage());
                return ExitCodes.FAILED;
            } catch (final ArchiveException | TokenStoreException e) {
                err.println("mailpush: " + e.getMessage() + " (the store was left as it was)");
                return ExitCodes.FAILED;
            }
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Writes every registration to FILE (gzip-compressed JSON Lines, owner-only) from one"
                    + " consistent snapshot, while the service keeps running; no lock is held."})
    static final class Backup extends StoreTask {
        @Parameters(paramLabel = "FILE", description = "the backup file to write")
        Path file;

        @Override
        int work(final TokenStore store, final PrintWriter out) throws IOException {
            final long count = RegistrationArchive.write(store, file, true);
            out.println("Backed up " + count + " registration(s) from " + store.describe() + " to " + file);
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
        int work(final TokenStore store, final PrintWriter out) {
            final long before = store.count();
            if (before > 0 && !force) {
                spec.commandLine().getErr().println("mailpush: " + store.describe() + " holds " + before
                        + " registration(s); restore replaces them all: add --force to go on");
                return ExitCodes.FAILED;
            }
            final long restored = store.importRegistrations(RegistrationArchive.read(file, true),
                    TokenStore.ImportMode.REPLACE);
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
        int work(final TokenStore store, final PrintWriter out) throws IOException {
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
        int work(final TokenStore store, final PrintWriter out) {
            final long written = store.importRegistrations(RegistrationArchive.read(file, false),
                    TokenStore.ImportMode.MERGE);
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
        int work(final TokenStore store, final PrintWriter out) {
            final XapsdDatabase.Contents contents = XapsdDatabase.read(file, null, Instant.now());
            final long written = store.importRegistrations(contents.registrations(), TokenStore.ImportMode.MERGE);
            out.println("Imported " + written + " of " + contents.registrations().size()
                    + " xapsd registration(s) from " + file + "; the store holds " + store.count());
            for (final String skipped : contents.skipped()) {
                out.println("  skipped " + skipped);
            }
            return 0;
        }
    }
}
