package org.mailpush.server.admin;

import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.pusher.credentials.PushTopics;
import org.mailpush.server.admin.InstallCheck.Result;
import org.mailpush.server.admin.InstallCheck.Verdict;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The part of {@code mailpush check} that reads Cyrus's own configuration ({@code imapd.conf}, {@code cyrus.conf})
 * and reports where it does not fit mailpush's: the notify socket, {@code event_notifier}, {@code event_groups},
 * the {@code aps_topic*} settings against the installed credentials' topics, the DAV modules, and Cyrus's own
 * {@code notifyd} still bound to the socket mailpush listens on. These are the mistakes that make Cyrus push nothing
 * without an error anywhere.
 *
 * <p>Read-only; not thread-safe; one check at a time.</p>
 */
final class CyrusWiringCheck {

    /** Cyrus 3.x's {@code event_groups} default ({@code lib/imapoptions}). */
    private static final List<String> DEFAULT_EVENT_GROUPS = List.of("message", "mailbox");

    private final CyrusSettings cyrus;
    private final Path imapdConf;
    private final Path cyrusConf;
    private final Collection<String> credentialTopics;
    private final List<Result> results = new ArrayList<>();

    /**
     * @param credentialTopics the topics of the installed credentials that could be read
     */
    CyrusWiringCheck(final CyrusSettings cyrus, final Path imapdConf, final Path cyrusConf,
                     final Collection<String> credentialTopics) {
        this.cyrus = cyrus;
        this.imapdConf = imapdConf;
        this.cyrusConf = cyrusConf;
        this.credentialTopics = credentialTopics;
    }

    List<Result> run() {
        final ImapdConf imapd;
        try {
            imapd = ImapdConf.read(imapdConf);
        } catch (final ImapdConf.UnreadableException e) {
            results.add(new Result(Verdict.WARN, "cyrus imapd.conf", e.getMessage() + "; Cyrus's settings were not"
                    + " compared with mailpush's (set cyrus.imapd-conf, or run mailpush check as root)"));
            return List.copyOf(results);
        }
        notifySocket(imapd);
        eventNotifier(imapd);
        eventGroups(imapd);
        mailTopic(imapd);
        davTopic(imapd, "aps_topic_caldav", "caldav", "calendar", PushTopics.CALENDAR_PREFIX);
        davTopic(imapd, "aps_topic_carddav", "carddav", "contacts", PushTopics.CONTACTS_PREFIX);
        if (results.isEmpty()) {
            results.add(new Result(Verdict.PASS, "cyrus imapd.conf", imapdConf + " sends " + cyrus.eventNotifier()
                    + " events to " + cyrus.notifySocket() + " with the topics of the installed credentials"));
        }
        ownNotifyd();
        return List.copyOf(results);
    }

    private void notifySocket(final ImapdConf imapd) {
        // Cyrus's default is {configdirectory}/socket/notify.
        final String configured = imapd.value("notifysocket").orElseGet(() ->
                imapd.value("configdirectory").orElse("/var/lib/cyrus") + "/socket/notify");
        final CyrusSettings.NotifySocket cyrusSide;
        try {
            cyrusSide = CyrusSettings.NotifySocket.parse(configured);
        } catch (final IllegalArgumentException e) {
            fail("cyrus notifysocket", imapd.where("notifysocket") + " notifysocket " + e.getMessage());
            return;
        }
        final CyrusSettings.NotifySocket ours = cyrus.notifySocket();
        if (!samePath(cyrusSide.path(), ours.path())
                || cyrusSide.streamMode() != ours.streamMode()) {
            fail("cyrus notifysocket", imapd.where("notifysocket") + " notifysocket is " + cyrusSide
                    + (imapd.value("notifysocket").isEmpty() ? " (Cyrus's default)" : "") + ", but mailpush listens"
                    + " on " + ours + " (cyrus.notify-socket): set notifysocket: " + ours + " in imapd.conf");
        }
    }

    private void eventNotifier(final ImapdConf imapd) {
        final Optional<String> notifier = imapd.value("event_notifier");
        if (notifier.isEmpty()) {
            fail("cyrus event_notifier", imapdConf + " has no event_notifier: Cyrus sends no events at all; add"
                    + " event_notifier: " + cyrus.eventNotifier());
        } else if (!notifier.get().equals(cyrus.eventNotifier())) {
            fail("cyrus event_notifier", imapd.where("event_notifier") + " event_notifier is " + notifier.get()
                    + ", mailpush expects " + cyrus.eventNotifier() + " (cyrus.event-notifier): events with another"
                    + " method are refused");
        }
    }

    private void eventGroups(final ImapdConf imapd) {
        final List<String> groups = imapd.value("event_groups").isPresent() ? imapd.words("event_groups")
                : DEFAULT_EVENT_GROUPS;
        final String where = imapd.where("event_groups") + " event_groups " + (imapd.value("event_groups")
                .isPresent() ? "is \"" + String.join(" ", groups) + "\"" : "is not set (Cyrus's default: message"
                + " mailbox)");
        if (!groups.contains("applepushservice")) {
            fail("cyrus event_groups", where + ": without applepushservice no phone's registration or DAV"
                    + " subscription reaches mailpush; use event_groups: message mailbox flags applepushservice");
        }
        if (!groups.contains("message")) {
            fail("cyrus event_groups", where + ": without message no new mail is reported");
        }
        if (!groups.contains("mailbox")) {
            fail("cyrus event_groups", where + ": without mailbox calendar and address book changes are reported"
                    + " only in part (MailboxModseq)");
        }
        if (!groups.contains("flags")) {
            results.add(new Result(Verdict.WARN, "cyrus event_groups", where + ": without flags, mail read on one"
                    + " device is not pushed to the others"));
        }
    }

    private void mailTopic(final ImapdConf imapd) {
        final Optional<String> topic = imapd.value("aps_topic");
        if (topic.isEmpty()) {
            credentialTopics.stream().filter(t -> t.startsWith(PushTopics.MAIL_PREFIX)).findFirst().ifPresent(
                    mail -> fail("cyrus aps_topic", imapdConf + " has no aps_topic: Cyrus does not offer"
                            + " XAPPLEPUSHSERVICE, so Mail never registers; add aps_topic: " + mail));
        } else if (!credentialTopics.contains(topic.get())) {
            fail("cyrus aps_topic", imapd.where("aps_topic") + " aps_topic is " + topic.get() + ", which no"
                    + " installed credential has (" + topicsText() + "): Mail registrations would not be pushed");
        }
    }

    private void davTopic(final ImapdConf imapd, final String key, final String module, final String app,
                          final String topicPrefix) {
        final Optional<String> topic = imapd.value(key);
        final Optional<String> credential = credentialTopics.stream().filter(t -> t.startsWith(topicPrefix))
                .findFirst();
        if (topic.isPresent()) {
            if (!credentialTopics.contains(topic.get())) {
                fail("cyrus " + key, imapd.where(key) + " " + key + " is " + topic.get() + ", which no installed"
                        + " credential has (" + topicsText() + "): " + app + " subscriptions would never be pushed;"
                        + " install its certificate with mailpush certs install");
            }
            if (!imapd.words("httpmodules").contains(module)) {
                results.add(new Result(Verdict.WARN, "cyrus " + key, imapd.where("httpmodules") + " httpmodules"
                        + " has no " + module + ": Cyrus's httpd offers no " + app + " push"));
            }
        } else if (credential.isPresent()) {
            results.add(new Result(Verdict.WARN, "cyrus " + key, imapdConf + " has no " + key + ", so Cyrus does"
                    + " not offer " + app + " push although a credential for " + credential.get() + " is installed;"
                    + " add " + key + ": " + credential.get()));
        }
    }

    private void ownNotifyd() {
        final CyrusConf services;
        try {
            services = CyrusConf.read(cyrusConf);
        } catch (final ImapdConf.UnreadableException e) {
            results.add(new Result(Verdict.WARN, "cyrus cyrus.conf", e.getMessage() + "; whether Cyrus's own notifyd"
                    + " takes the socket was not checked (set cyrus.cyrus-conf)"));
            return;
        }
        for (final CyrusConf.Entry notifyd : services.servicesRunning("notifyd")) {
            final String listen = notifyd.arguments().getOrDefault("listen", "");
            boolean ours;
            try {
                ours = !listen.isEmpty() && samePath(Path.of(listen), cyrus.notifySocket().path());
            } catch (final java.nio.file.InvalidPathException e) {
                ours = false; // not a path (a port, or garbage): not the socket mailpush listens on
            }
            final String text = cyrusConf + ":" + notifyd.line() + " runs Cyrus's own notifyd (" + notifyd.name()
                    + " in SERVICES, listen=\"" + listen + "\")";
            if (ours) {
                fail("cyrus cyrus.conf", text + ", which binds the socket mailpush listens on: comment it out and"
                        + " restart Cyrus");
            } else {
                results.add(new Result(Verdict.WARN, "cyrus cyrus.conf", text + "; it does not take mailpush's"
                        + " socket, but Cyrus needs only one of them"));
            }
        }
    }

    private static boolean samePath(final Path one, final Path other) {
        return one.toAbsolutePath().normalize().equals(other.toAbsolutePath().normalize());
    }

    private String topicsText() {
        return credentialTopics.isEmpty() ? "none could be read" : String.join(", ", credentialTopics);
    }

    private void fail(final String item, final String detail) {
        results.add(new Result(Verdict.FAIL, item, detail));
    }
}
