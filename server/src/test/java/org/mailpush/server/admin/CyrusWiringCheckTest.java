package org.mailpush.server.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.server.admin.InstallCheck.Result;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code mailpush check} says about Cyrus's imapd.conf and cyrus.conf, line by line. */
class CyrusWiringCheckTest {

    private static final String MAIL = "com.apple.mail.XServer.11111111-2222-3333-4444-555555555555";
    private static final String CALENDAR = "com.apple.calendar.XServer.11111111-2222-3333-4444-555555555555";
    private static final String CONTACTS = "com.apple.contact.XServer.11111111-2222-3333-4444-555555555555";

    @TempDir
    Path dir;

    private static CyrusSettings listeningOn(final String socket) {
        return new CyrusSettings(CyrusSettings.NotifySocket.parse(socket), null, null, null, null, null, null, null,
                null, null, null, null);
    }

    private Path debian(final String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("debian/" + name)) {
            final Path copy = dir.resolve(name);
            Files.copy(in, copy);
            return copy;
        }
    }

    private Path file(final String name, final String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    private Path wiredImapdConf(final String... extra) throws IOException {
        final List<String> lines = new java.util.ArrayList<>(List.of(
                "configdirectory: /var/lib/cyrus",
                "httpmodules: caldav carddav",
                "aps_topic: " + MAIL,
                "aps_topic_caldav: " + CALENDAR,
                "aps_topic_carddav: " + CONTACTS,
                "event_notifier: pusher",
                "event_groups: message mailbox flags applepushservice",
                "notifysocket: /run/cyrus/socket/notify"));
        lines.addAll(List.of(extra));
        return file("imapd.conf", lines.toArray(String[]::new));
    }

    private Path cyrusConfWithoutNotifyd() throws IOException {
        return file("cyrus.conf", "SERVICES {", "  imap cmd=\"imapd\" listen=\"imap\" prefork=0",
                "#  notify cmd=\"notifyd\" listen=\"/run/cyrus/socket/notify\" proto=\"udp\" prefork=1", "}");
    }

    private static List<String> lines(final List<Result> results) {
        return results.stream().map(r -> r.verdict() + " " + r.item() + ": " + r.detail()).toList();
    }

    @Test
    void debiansStockConfigurationIsReportedMistakeByMistake() throws IOException {
        final Path imapd = debian("imapd.conf");
        final Path cyrus = debian("cyrus.conf");
        final List<Result> results = new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), imapd, cyrus,
                List.of(MAIL, CALENDAR)).run();

        assertThat(lines(results)).containsExactly(
                "FAIL cyrus event_notifier: " + imapd + " has no event_notifier: Cyrus sends no events at all; add"
                        + " event_notifier: pusher",
                "FAIL cyrus event_groups: " + imapd + " event_groups is not set (Cyrus's default: message mailbox):"
                        + " without applepushservice no phone's registration or DAV subscription reaches mailpush;"
                        + " use event_groups: message mailbox flags applepushservice",
                "WARN cyrus event_groups: " + imapd + " event_groups is not set (Cyrus's default: message mailbox):"
                        + " without flags, mail read on one device is not pushed to the others",
                "FAIL cyrus aps_topic: " + imapd + " has no aps_topic: Cyrus does not offer XAPPLEPUSHSERVICE, so"
                        + " Mail never registers; add aps_topic: " + MAIL,
                "WARN cyrus aps_topic_caldav: " + imapd + " has no aps_topic_caldav, so Cyrus does not offer calendar"
                        + " push although a credential for " + CALENDAR + " is installed; add aps_topic_caldav: "
                        + CALENDAR,
                "FAIL cyrus cyrus.conf: " + cyrus + ":52 runs Cyrus's own notifyd (notify in SERVICES,"
                        + " listen=\"/run/cyrus/socket/notify\"), which binds the socket mailpush listens on: comment"
                        + " it out and restart Cyrus");
    }

    @Test
    void aWiredCyrusPassesInOneLine() throws IOException {
        final Path imapd = wiredImapdConf();
        final List<Result> results = new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), imapd,
                cyrusConfWithoutNotifyd(), List.of(MAIL, CALENDAR, CONTACTS)).run();
        assertThat(lines(results)).containsExactly("PASS cyrus imapd.conf: " + imapd + " sends pusher events to"
                + " /run/cyrus/socket/notify with the topics of the installed credentials");
    }

    @Test
    void aSocketElsewhereAndTheStreamModeAreMismatches() throws IOException {
        final Path imapd = wiredImapdConf();
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/mailpush/notify"), imapd, cyrusConfWithoutNotifyd(),
                List.of(MAIL, CALENDAR, CONTACTS)).run())).containsExactly("FAIL cyrus notifysocket: " + imapd
                + ":8 notifysocket is /run/cyrus/socket/notify, but mailpush listens on /run/mailpush/notify"
                + " (cyrus.notify-socket): set notifysocket: /run/mailpush/notify in imapd.conf");
        assertThat(lines(new CyrusWiringCheck(listeningOn("dlist:/run/cyrus/socket/notify"), imapd,
                cyrusConfWithoutNotifyd(), List.of(MAIL, CALENDAR, CONTACTS)).run())).singleElement().asString()
                .startsWith("FAIL cyrus notifysocket: " + imapd + ":8 notifysocket is /run/cyrus/socket/notify, but"
                        + " mailpush listens on dlist:/run/cyrus/socket/notify");
    }

    @Test
    void withoutNotifysocketCyrusUsesItsConfigdirectory() throws IOException {
        final Path imapd = file("imapd.conf", "configdirectory: /srv/cyrus", "event_notifier: pusher",
                "event_groups: message mailbox flags applepushservice");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/srv/cyrus/socket/notify"), imapd,
                cyrusConfWithoutNotifyd(), List.of()).run())).singleElement().asString().startsWith("PASS ");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), imapd,
                cyrusConfWithoutNotifyd(), List.of()).run())).singleElement().asString().contains(
                "notifysocket is /srv/cyrus/socket/notify (Cyrus's default), but mailpush listens on");
    }

    @Test
    void topicsWithoutTheirCredentialAndDavWithoutItsModuleAreNamed() throws IOException {
        final Path imapd = file("imapd.conf", "httpmodules: caldav", "aps_topic: com.apple.mail.XServer.other",
                "aps_topic_caldav: com.apple.calendar.XServer.other", "aps_topic_carddav: " + CONTACTS,
                "event_notifier: mailpush", "event_groups: message applepushservice",
                "notifysocket: /run/cyrus/socket/notify");
        final List<String> lines = lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), imapd,
                cyrusConfWithoutNotifyd(), List.of(MAIL, CONTACTS)).run());
        assertThat(lines).containsExactly(
                "FAIL cyrus event_notifier: " + imapd + ":5 event_notifier is mailpush, mailpush expects pusher"
                        + " (cyrus.event-notifier): events with another method are refused",
                "FAIL cyrus event_groups: " + imapd + ":6 event_groups is \"message applepushservice\": without"
                        + " mailbox calendar and address book changes are reported only in part (MailboxModseq)",
                "WARN cyrus event_groups: " + imapd + ":6 event_groups is \"message applepushservice\": without"
                        + " flags, mail read on one device is not pushed to the others",
                "FAIL cyrus aps_topic: " + imapd + ":2 aps_topic is com.apple.mail.XServer.other, which no installed"
                        + " credential has (" + MAIL + ", " + CONTACTS + "): Mail registrations would not be pushed",
                "FAIL cyrus aps_topic_caldav: " + imapd + ":3 aps_topic_caldav is com.apple.calendar.XServer.other,"
                        + " which no installed credential has (" + MAIL + ", " + CONTACTS + "): calendar"
                        + " subscriptions would never be pushed; install its certificate with mailpush certs install",
                "WARN cyrus aps_topic_carddav: " + imapd + ":1 httpmodules has no carddav: Cyrus's httpd offers no"
                        + " contacts push");
    }

    @Test
    void anotherNotifydWarnsAndUnreadableFilesAreSaidSo() throws IOException {
        final Path imapd = wiredImapdConf();
        final Path cyrus = file("cyrus.conf", "START {", "}", "SERVICES {",
                "  notify cmd=\"/usr/lib/cyrus/bin/notifyd -C /etc/other.conf\" listen=\"/run/other/notify\""
                        + " proto=\"udp\"", "}");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), imapd, cyrus,
                List.of(MAIL, CALENDAR, CONTACTS)).run())).last().asString().isEqualTo("WARN cyrus cyrus.conf: "
                + cyrus + ":4 runs Cyrus's own notifyd (notify in SERVICES, listen=\"/run/other/notify\"); it does"
                + " not take mailpush's socket, but Cyrus needs only one of them");

        final Path missing = dir.resolve("nowhere/imapd.conf");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), missing, cyrus, List.of())
                .run())).containsExactly("WARN cyrus imapd.conf: " + missing + " does not exist; Cyrus's settings were"
                + " not compared with mailpush's (set cyrus.imapd-conf, or run mailpush check as root)");

        final Path twice = file("twice.conf", "event_notifier: pusher", "", "# again", "event_notifier: other");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), twice, cyrus, List.of())
                .run())).singleElement().asString().isEqualTo("WARN cyrus imapd.conf: " + twice + " sets"
                + " event_notifier twice (lines 1 and 4); Cyrus refuses to start with it; Cyrus's settings were not"
                + " compared with mailpush's (set cyrus.imapd-conf, or run mailpush check as root)");
    }

    @Test
    void aNotifydListeningOnSomethingThatIsNoPathIsNotTakenForTheSocket() throws IOException {
        final Path cyrus = file("cyrus.conf", "SERVICES {", "  notify cmd=\"notifyd\" listen=\"/run/a\u0000b\"", "}");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), wiredImapdConf(), cyrus,
                List.of(MAIL, CALENDAR, CONTACTS)).run())).last().asString().startsWith("WARN cyrus cyrus.conf: "
                + cyrus + ":2 runs Cyrus's own notifyd");
    }

    @Test
    void aCyrusConfThatCannotBeParsedIsNamed() throws IOException {
        final Path cyrus = file("cyrus.conf", "SERVICES {", "  imap cmd=\"imapd\" listen=\"imap\"");
        assertThat(lines(new CyrusWiringCheck(listeningOn("/run/cyrus/socket/notify"), wiredImapdConf(), cyrus,
                List.of(MAIL, CALENDAR, CONTACTS)).run())).last().asString().isEqualTo("WARN cyrus cyrus.conf: "
                + cyrus + " ends inside the SERVICES section (no }); whether Cyrus's own notifyd takes the socket"
                + " was not checked (set cyrus.cyrus-conf)");
    }
}
