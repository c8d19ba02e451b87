package org.mailpush.server.cli;

import org.mailpush.server.admin.InstallCheck;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.MailpushConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mailpush check}: the whole install, one pass/fail line per item. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks the whole install and prints one PASS, WARN or FAIL line per item: the"
                + " configuration, each credential (and its expiry), the token store, the Cyrus notify socket"
                + " (bound, mode, group), a TLS handshake with each credential to its APNs gateway, the running"
                + " service's listeners and its readiness.",
                "With a cyrus: section, also what Cyrus's imapd.conf and cyrus.conf say: notifysocket,"
                        + " event_notifier, event_groups, aps_topic, aps_topic_caldav and aps_topic_carddav against"
                        + " the installed credentials, and Cyrus's own notifyd still taking the socket.",
                "When doveconf is on the PATH, also what Dovecot's configuration (doveconf -n) points at mailpush:"
                        + " the xaps plugin's xaps_config and the Lua driver's mailpush_url must reach this"
                        + " mailpush's xapsd: and intake: listeners with their secrets.",
                "Exit code 0 when nothing failed (warnings allowed), 1 otherwise."})
final class CheckCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @CommandLine.Option(names = "--dovecot-config", paramLabel = "FILE",
            description = "The dovecot.conf to check (doveconf -c FILE); default: Dovecot's own.")
    Path dovecotConfig;

    @CommandLine.Option(names = "--doveconf", paramLabel = "FILE",
            description = "The doveconf program to run; default: doveconf on the PATH (none: no Dovecot lines).")
    Path doveconf;

    @CommandLine.Option(names = "--imapd-conf", paramLabel = "FILE",
            description = "Cyrus's imapd.conf to compare with the cyrus: section; default: cyrus.imapd-conf"
                    + " (/etc/imapd.conf).")
    Path imapdConf;

    @CommandLine.Option(names = "--cyrus-conf", paramLabel = "FILE",
            description = "Cyrus's cyrus.conf, checked for Cyrus's own notifyd; default: cyrus.cyrus-conf"
                    + " (/etc/cyrus.conf).")
    Path cyrusConf;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final MailpushConfig settings;
        try {
            settings = config.load();
        } catch (final ConfigException e) {
            out.println("FAIL  configuration: " + e.getMessage());
            out.println("0 passed, 0 warning(s), 1 failed");
            out.flush();
            return ExitCodes.FAILED;
        }
        final List<InstallCheck.Result> results = new InstallCheck(settings, Clock.systemUTC(),
                doveconf != null ? doveconf : InstallCheck.findDoveconf(System.getenv("PATH")),
                dovecotConfig).cyrusFiles(imapdConf, cyrusConf).run();
        int passed = 0;
        int warned = 0;
        int failed = 0;
        for (final InstallCheck.Result result : results) {
            out.printf("%-5s %s: %s%n", result.verdict(), result.item(), result.detail());
            switch (result.verdict()) {
                case PASS -> passed++;
                case WARN -> warned++;
                default -> failed++;
            }
        }
        out.println(passed + " passed, " + warned + " warning(s), " + failed + " failed");
        out.flush();
        return failed == 0 ? 0 : ExitCodes.FAILED;
    }
}
