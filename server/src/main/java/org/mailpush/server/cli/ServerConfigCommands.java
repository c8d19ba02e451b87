package org.mailpush.server.cli;

import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.pusher.credentials.CredentialInspection;
import org.mailpush.pusher.credentials.PushTopics;
import org.mailpush.server.admin.InstalledCredentials;
import org.mailpush.server.config.ConfigException;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.store.PushTarget;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code mailpush cyrus-config} and {@code mailpush dovecot-config}: the lines to add to the mail server's
 * configuration for this install, with the topic, socket paths and addresses filled in from mailpush's own.
 */
final class ServerConfigCommands {

    private ServerConfigCommands() {
    }

    /** Loads the configuration or reports why not. */
    abstract static class ConfigTask implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract int print(MailpushConfig settings, PrintWriter out, PrintWriter err);

        @Override
        public Integer call() {
            final MailpushConfig settings;
            try {
                settings = config.load();
            } catch (final ConfigException e) {
                spec.commandLine().getErr().println("mailpush: " + e.getMessage());
                return ExitCodes.CONFIG;
            }
            final int code = print(settings, spec.commandLine().getOut(), spec.commandLine().getErr());
            spec.commandLine().getOut().flush();
            return code;
        }
    }

    @Command(name = "cyrus-config", mixinStandardHelpOptions = true,
            description = {"Prints the imapd.conf and cyrus.conf lines that connect Cyrus IMAP to this mailpush:"
                    + " aps_topic (and aps_topic_caldav, aps_topic_carddav, httpmodules for Calendar and Contacts)"
                    + " from the installed credentials, the notify socket and event settings from the cyrus:"
                    + " section."})
    static final class CyrusConfig extends ConfigTask {
        @Override
        int print(final MailpushConfig settings, final PrintWriter out, final PrintWriter err) {
            if (settings.cyrus().isEmpty()) {
                err.println("mailpush: " + config.file + " has no cyrus: section; add cyrus: { notify-socket:"
                        + " /run/cyrus/socket/notify } first");
                return ExitCodes.CONFIG;
            }
            final CyrusSettings cyrus = settings.cyrus().get();
            final List<CredentialInspection> credentials = InstalledCredentials.inspect(settings,
                    Clock.systemUTC());
            out.println("# imapd.conf: add these lines (change them where they are already set)");
            printTopics(credentials, out);
            out.println("event_notifier: " + cyrus.eventNotifier());
            out.println("event_groups: message mailbox flags applepushservice");
            out.println("notifysocket: " + cyrus.notifySocket());
            out.println();
            out.println("# cyrus.conf: in SERVICES, remove or comment out Cyrus's own notify service, which binds"
                    + " the same socket:");
            out.println("#  notify  cmd=\"notifyd\" listen=\"" + cyrus.notifySocket().path()
                    + "\" proto=\"udp\" prefork=1");
            out.println();
            out.println("# mailpush creates " + cyrus.notifySocket().path() + " with mode "
                    + PosixFilePermissions.toString(cyrus.socketPermissions())
                    + (cyrus.socketGroup() != null ? ", group " + cyrus.socketGroup() : "")
                    + ": the user Cyrus runs as must be able to write to it.");
            out.println("# Then restart Cyrus; phones register again when Mail next connects.");
            return 0;
        }
    }

    /**
     * {@code aps_topic} from the first mail credential, and for each of calendar and contacts with an installed
     * credential its {@code aps_topic_caldav} / {@code aps_topic_carddav} and the httpd modules that offer it.
     */
    private static void printTopics(final List<CredentialInspection> credentials, final PrintWriter out) {
        final java.util.Map<PushTarget.Kind, String> topics = new java.util.EnumMap<>(PushTarget.Kind.class);
        final List<String> unreadable = new java.util.ArrayList<>();
        for (int i = 0; i < credentials.size(); i++) {
            final CredentialInspection credential = credentials.get(i);
            if (credential.topic() == null) {
                unreadable.add("apns.credentials[" + i + "] could not be read (" + String.join("; ",
                        credential.problems()) + ")");
            } else {
                PushTopics.kindOf(credential.topic()).ifPresent(kind -> topics.putIfAbsent(kind, credential.topic()));
            }
        }
        unreadable.forEach(problem -> out.println("# " + problem));
        if (topics.containsKey(PushTarget.Kind.MAIL)) {
            out.println("aps_topic: " + topics.get(PushTarget.Kind.MAIL));
        } else {
            out.println("# no mail credential is installed: put your mail certificate's topic here");
            out.println("aps_topic: com.apple.mail.XServer.<uuid>");
        }
        final List<String> modules = new java.util.ArrayList<>();
        if (topics.containsKey(PushTarget.Kind.CALENDAR)) {
            modules.add("caldav");
        }
        if (topics.containsKey(PushTarget.Kind.CONTACTS)) {
            modules.add("carddav");
        }
        if (modules.isEmpty()) {
            out.println("# Calendar and Contacts push: install their certificates (com.apple.calendar.XServer.<uuid>,"
                    + " com.apple.contact.XServer.<uuid>) with mailpush certs install, then run this again");
            return;
        }
        out.println("# Calendar and Contacts push through Cyrus's httpd (package cyrus-caldav; keep any other"
                + " modules you serve)");
        out.println("httpmodules: " + String.join(" ", modules));
        if (topics.containsKey(PushTarget.Kind.CALENDAR)) {
            out.println("aps_topic_caldav: " + topics.get(PushTarget.Kind.CALENDAR));
        }
        if (topics.containsKey(PushTarget.Kind.CONTACTS)) {
            out.println("aps_topic_carddav: " + topics.get(PushTarget.Kind.CONTACTS));
        }
    }

    @Command(name = "dovecot-config", mixinStandardHelpOptions = true,
            description = {"Prints the dovecot.conf lines that connect Dovecot to this mailpush: the Lua push"
                    + " driver for the intake: section, or the xaps plugin's settings for the xapsd: section."})
    static final class DovecotConfig extends ConfigTask {
        @Override
        int print(final MailpushConfig settings, final PrintWriter out, final PrintWriter err) {
            if (settings.intake().isEmpty() && settings.xapsd().isEmpty()) {
                err.println("mailpush: " + config.file + " has neither an intake: nor an xapsd: section; add"
                        + " intake: {} (Dovecot's Lua push driver) first, see docs/install-dovecot.md");
                return ExitCodes.CONFIG;
            }
            if (settings.intake().isPresent()) {
                final MailpushConfig.HttpIntake intake = settings.intake().get();
                out.println("# dovecot.conf: Dovecot's push_notification Lua driver posts to mailpush's intake");
                out.println("# (copy docs/dovecot/mailpush.lua to /etc/dovecot/mailpush.lua, mode 0644)");
                out.println("mail_plugins = $mail_plugins mail_lua notify push_notification push_notification_lua");
                out.println("plugin {");
                out.println("  push_notification_driver = lua:file=/etc/dovecot/mailpush.lua");
                out.println("  mailpush_url = http://" + intake.listen().forLocalClient());
                if (intake.secret() != null) {
                    out.println("  # Dovecot reads the value from the file (as root, when it loads its"
                            + " configuration)");
                    out.println("  mailpush_secret = <" + intake.secretFile());
                }
                out.println("  #mailpush_timeout_msecs = 1000");
                out.println("}");
                if (settings.imapProxy().isEmpty()) {
                    out.println("# Phones register through mailpush's IMAP proxy: add an imap-proxy: section"
                            + " (docs/install-proxy.md).");
                }
            }
            if (settings.xapsd().isPresent()) {
                if (settings.intake().isPresent()) {
                    out.println();
                    out.println("# Or, instead of the Lua driver (not both: each would report every mail):");
                }
                printXapsPlugin(settings.xapsd().get(), out);
            }
            return 0;
        }

        /**
         * The xaps C plugin's settings (dovecot-xaps-plugin, its xaps.conf and xaps-utils.c): it reads only
         * {@code xaps_config}, a space-separated list of key=value with {@code url=}; without it the imap and lmtp
         * processes abort on an assertion. Its modules are lib25_xaps_imap_plugin.so (XAPPLEPUSHSERVICE, imap only)
         * and lib25_xaps_push_notification_plugin.so (the {@code xaps} push_notification driver).
         */
        private static void printXapsPlugin(final MailpushConfig.HttpIntake xapsd, final PrintWriter out) {
            out.println("# dovecot.conf, for sites keeping the xaps C plugin (dovecot-xaps-plugin): point it at"
                    + " mailpush's xapsd");
            out.println("protocol imap {");
            out.println("  mail_plugins = $mail_plugins notify push_notification xaps_push_notification xaps_imap");
            out.println("}");
            out.println("protocol lmtp {");
            out.println("  mail_plugins = $mail_plugins notify push_notification xaps_push_notification");
            out.println("}");
            out.println("protocol lda {");
            out.println("  mail_plugins = $mail_plugins notify push_notification xaps_push_notification");
            out.println("}");
            out.println("plugin {");
            out.println("  # the plugin reads xaps_config only (an xaps_url line makes every login and delivery"
                    + " abort)");
            if (xapsd.secret() != null) {
                out.println("  # replace SECRET with the line in " + xapsd.secretFile() + "; Dovecot sends it as"
                        + " Basic authentication.");
                out.println("  # Other than letters, digits and -._~ percent-encode it, with %% for each % (a/b is"
                        + " a%%2Fb)");
            }
            out.println("  xaps_config = url=http://" + (xapsd.secret() != null ? "xaps:SECRET@" : "")
                    + xapsd.listen().forLocalClient());
            out.println("  push_notification_driver = xaps");
            out.println("}");
        }
    }
}
