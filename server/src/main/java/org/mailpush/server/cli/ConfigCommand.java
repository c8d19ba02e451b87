package org.mailpush.server.cli;

import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.EffectiveConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code mailpush config}: the configuration as mailpush uses it, defaults filled in. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Prints the effective configuration: every key of every section the file has, with the"
                + " value mailpush uses (the defaults filled in, relative paths resolved), as YAML it reads back."
                + " Secrets are never printed (only the files they are read from; a password in store.url is"
                + " masked).",
                "With --defaults, every key of every section at its default, without reading a file.",
                "Exit code 0, or 78 when the configuration cannot be used (one line naming the file and key)."})
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @CommandLine.Option(names = "--defaults", description = "print every key at its default instead")
    boolean defaults;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        if (defaults) {
            out.print(EffectiveConfig.defaults());
            out.flush();
            return 0;
        }
        try {
            out.print(EffectiveConfig.yaml(config.load()));
            out.flush();
            return 0;
        } catch (final ConfigException e) {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("mailpush: " + e.getMessage());
            err.flush();
            return ExitCodes.CONFIG;
        }
    }
}
