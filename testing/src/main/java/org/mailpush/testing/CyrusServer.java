package org.mailpush.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Cyrus IMAP (Debian's {@code cyrus-imapd}) run from a temporary folder on loopback ports with its own
 * imapd.conf and cyrus.conf, not the system service. Started as root, Cyrus's master drops to the {@code cyrus}
 * user, so socket permissions between Cyrus and mailpush are exercised for real.
 *
 * <p>With {@link Settings#davEnabled() DAV on}, Cyrus's httpd (Debian's {@code cyrus-caldav}) serves CalDAV and
 * CardDAV on {@link #httpPort()}, with Apple's push transport advertised for the configured topics (see
 * {@code shared/reference/dav-push.md} §3 for the recipe this follows). A user's DAV collections are provisioned by
 * the first authenticated DAV request, which needs the user's INBOX: {@link #createInbox} first.</p>
 *
 * <p>When Cyrus is not installed, {@link #start} fails (it never skips): {@code .ci/run} installs it. Lifecycle: one
 * {@code start}, one {@link #close}; the methods may be called from any thread but are not meant to race.</p>
 */
public final class CyrusServer implements AutoCloseable {

    public static final Path MASTER = Path.of("/usr/lib/cyrus/bin/master");
    /** Cyrus's HTTP server (CalDAV, CardDAV, Apple's push subscriptions), from the {@code cyrus-caldav} package. */
    public static final Path HTTPD = Path.of("/usr/lib/cyrus/bin/httpd");
    /** Distinctive, so that a log scan can look for it (see LogScanIT). */
    public static final String PASSWORD = "quokka-2718-pw";

    private final Path base;
    private final Path config;
    private final Process master;
    private final int imapPort;
    private final int lmtpPort;
    private final int httpPort;

    private CyrusServer(final Path base, final Path config, final Process master, final int imapPort,
                        final int lmtpPort, final int httpPort) {
        this.base = base;
        this.config = config;
        this.master = master;
        this.imapPort = imapPort;
        this.lmtpPort = lmtpPort;
        this.httpPort = httpPort;
    }

    /**
     * What to put in imapd.conf beyond the basics.
     *
     * @param apsTopic         {@code aps_topic} (mail)
     * @param notifySocket     {@code notifysocket}, a path or {@code dlist:}path
     * @param users            sasldb users; {@code name@domain} gets realm {@code domain} (what Cyrus asks SASL for
     *                         under {@code virtdomains}), a bare name realm {@code localhost} (the server name)
     * @param virtDomains      {@code virtdomains: userid} when true, {@code off} otherwise
     * @param defaultDomain    {@code defaultdomain}, or {@code null} for none (bare user names then stay bare)
     * @param calendarTopic    {@code aps_topic_caldav}, or {@code null}
     * @param contactsTopic    {@code aps_topic_carddav}, or {@code null}; DAV (httpd with {@code httpmodules: caldav
     *                         carddav}) runs when either topic is set
     */
    public record Settings(String apsTopic, String notifySocket, boolean altNamespace, boolean unixHierarchySep,
                           List<String> users, boolean virtDomains, String defaultDomain, String calendarTopic,
                           String contactsTopic) {

        public Settings {
            users = List.copyOf(users);
        }

        /** Mail only, no virtual domains: what the mail interop tests use. */
        public Settings(final String apsTopic, final String notifySocket, final boolean altNamespace,
                        final boolean unixHierarchySep, final List<String> users) {
            this(apsTopic, notifySocket, altNamespace, unixHierarchySep, users, false, null, null, null);
        }

        /** Whether httpd serves CalDAV/CardDAV. */
        public boolean davEnabled() {
            return calendarTopic != null || contactsTopic != null;
        }

        /** Starts from Cyrus 3.x's defaults: altnamespace and unixhierarchysep on, no virtual domains, no DAV. */
        public static Builder builder(final String apsTopic, final String notifySocket) {
            return new Builder(apsTopic, notifySocket);
        }

        /** Builds {@link Settings}; not thread-safe. */
        public static final class Builder {
            private final String apsTopic;
            private final String notifySocket;
            private boolean altNamespace = true;
            private boolean unixHierarchySep = true;
            private List<String> users = List.of();
            private boolean virtDomains;
            private String defaultDomain;
            private String calendarTopic;
            private String contactsTopic;

            private Builder(final String apsTopic, final String notifySocket) {
                this.apsTopic = apsTopic;
                this.notifySocket = notifySocket;
            }

            public Builder altNamespace(final boolean on) {
                this.altNamespace = on;
                return this;
            }

            public Builder unixHierarchySep(final boolean on) {
                this.unixHierarchySep = on;
                return this;
            }

            public Builder users(final String... names) {
                this.users = List.of(names);
                return this;
            }

            /** {@code virtdomains: userid}: the domain comes from the login name ({@code alice@example.com}). */
            public Builder virtDomains(final boolean on) {
                this.virtDomains = on;
                return this;
            }

            public Builder defaultDomain(final String domain) {
                this.defaultDomain = domain;
                return this;
            }

            /** Turns on CalDAV and CardDAV with these push topics ({@code aps_topic_caldav}, {@code ..._carddav}). */
            public Builder dav(final String calendar, final String contacts) {
                this.calendarTopic = calendar;
                this.contactsTopic = contacts;
                return this;
            }

            public Settings build() {
                return new Settings(apsTopic, notifySocket, altNamespace, unixHierarchySep, users, virtDomains,
                        defaultDomain, calendarTopic, contactsTopic);
            }
        }
    }

    /**
     * Writes the configuration into {@code base}, creates the users in a private sasldb, starts master and waits
     * until IMAP answers.
     */
    public static CyrusServer start(final Path base, final Settings settings) throws IOException, InterruptedException {
        if (!Files.isExecutable(MASTER)) {
            throw new AssertionError("Cyrus IMAP is not installed (" + MASTER + " missing): run "
                    + "'apt-get install -y cyrus-imapd sasl2-bin libsasl2-modules' (.ci/run does)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("the Cyrus interop tests start Cyrus as root so that it drops to its own user;"
                    + " run them as root (CI does)");
        }
        if (settings.davEnabled() && !Files.isExecutable(HTTPD)) {
            throw new AssertionError("Cyrus's httpd is not installed (" + HTTPD + " missing): run "
                    + "'apt-get install -y cyrus-caldav' (.ci/run does)");
        }
        final int imapPort = MailServerProcess.freePort();
        final int lmtpPort = MailServerProcess.freePort();
        final int httpPort = settings.davEnabled() ? MailServerProcess.freePort() : -1;
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Folders.makeTraversable(base);
        for (final String sub : List.of("conf", "spool", "run")) {
            Files.createDirectories(base.resolve(sub));
        }
        final Path config = base.resolve("imapd.conf");
        final List<String> lines = new ArrayList<>(List.of(
                "configdirectory: " + base.resolve("conf"),
                "defaultpartition: default",
                "partition-default: " + base.resolve("spool"),
                "servername: localhost",
                "admins: cyrus",
                "allowplaintext: yes",
                "sasl_pwcheck_method: auxprop",
                "sasl_auxprop_plugin: sasldb",
                "sasl_sasldb_path: " + base.resolve("sasldb2"),
                "sasl_mech_list: PLAIN LOGIN",
                "altnamespace: " + (settings.altNamespace() ? "yes" : "no"),
                "unixhierarchysep: " + (settings.unixHierarchySep() ? "yes" : "no"),
                "autocreate_post: yes",
                "autocreate_quota: 0",
                "autocreate_inbox_folders: Sent | Trash",
                "aps_topic: " + settings.apsTopic(),
                "event_notifier: pusher",
                "event_groups: message mailbox flags applepushservice",
                "notifysocket: " + settings.notifySocket(),
                "lmtpsocket: " + base.resolve("run/lmtp"),
                "idlesocket: " + base.resolve("run/idle"),
                "mboxname_lockpath: " + base.resolve("run/lock"),
                "proc_path: " + base.resolve("run/proc"),
                "syslog_prefix: cyrus-it",
                // No idled here: IDLE polls, every second rather than every minute.
                "imapidlepoll: 1"));
        if (settings.virtDomains()) {
            lines.add("virtdomains: userid");
        }
        if (settings.defaultDomain() != null) {
            lines.add("defaultdomain: " + settings.defaultDomain());
        }
        if (settings.davEnabled()) {
            // applepush is no module of its own: it is on when the notifier has applepushservice and a topic is set.
            lines.add("httpmodules: caldav carddav");
            if (settings.calendarTopic() != null) {
                lines.add("aps_topic_caldav: " + settings.calendarTopic());
            }
            if (settings.contactsTopic() != null) {
                lines.add("aps_topic_carddav: " + settings.contactsTopic());
            }
        }
        lines.add("");
        Files.writeString(config, String.join("\n", lines));
        final String http = settings.davEnabled()
                ? "  http cmd=\"httpd -C " + config + "\" listen=\"127.0.0.1:" + httpPort + "\" prefork=0\n" : "";
        Files.writeString(base.resolve("cyrus.conf"), String.join("\n",
                "START {",
                "  recover cmd=\"ctl_cyrusdb -C " + config + " -r\"",
                "}",
                "SERVICES {",
                "  imap cmd=\"imapd -C " + config + "\" listen=\"127.0.0.1:" + imapPort + "\" prefork=0",
                "  lmtp cmd=\"lmtpd -C " + config + " -a\" listen=\"127.0.0.1:" + lmtpPort + "\" prefork=0",
                http + "}",
                "EVENTS {",
                "}",
                "DAEMON {",
                "}",
                ""));
        for (final String user : settings.users()) {
            // Under virtdomains Cyrus asks SASL for (alice, example.com); a bare name is asked in the server's realm.
            final int at = user.indexOf('@');
            final String name = at < 0 ? user : user.substring(0, at);
            final String realm = at < 0 ? "localhost" : user.substring(at + 1);
            run(List.of("saslpasswd2", "-p", "-c", "-f", base.resolve("sasldb2").toString(), "-u", realm, name),
                    PASSWORD);
        }
        chownTree(base, "cyrus", "mail");

        final Process master = new ProcessBuilder(MASTER.toString(), "-C", config.toString(), "-M",
                base.resolve("cyrus.conf").toString(), "-p", base.resolve("run/master.pid").toString())
                .redirectErrorStream(true)
                .redirectOutput(base.resolve("master.log").toFile())
                .start();
        final CyrusServer server = new CyrusServer(base, config, master, imapPort, lmtpPort, httpPort);
        try {
            MailServerProcess.awaitGreeting("Cyrus master", master, imapPort, Duration.ofSeconds(20),
                    () -> Files.readString(base.resolve("master.log")));
            if (httpPort > 0) {
                MailServerProcess.awaitHttp("Cyrus httpd", master, httpPort, Duration.ofSeconds(20),
                        () -> Files.readString(base.resolve("master.log")));
            }
        } catch (final IOException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    public int imapPort() {
        return imapPort;
    }

    public int lmtpPort() {
        return lmtpPort;
    }

    /**
     * The CalDAV/CardDAV port.
     *
     * @throws IllegalStateException when the server was started without DAV
     */
    public int httpPort() {
        if (httpPort < 0) {
            throw new IllegalStateException("this Cyrus runs without DAV: set Settings.Builder.dav(...)");
        }
        return httpPort;
    }

    /** {@code http://127.0.0.1:<httpPort>}, for {@link DavClient}. */
    public URI httpBase() {
        return URI.create("http://127.0.0.1:" + httpPort());
    }

    /**
     * Logs {@code user} in over IMAP once, so that {@code autocreate} makes its INBOX (and Sent, Trash): DAV
     * provisioning of a user without an INBOX fails ({@code IMAP_INVALID_USER}).
     */
    public void createInbox(final String user) throws IOException {
        imap(user, List.of());
    }

    /**
     * Runs IMAP commands as {@code user} (LOGIN, each command, LOGOUT) and returns each command's tagged answer.
     *
     * @throws IOException when a command is not answered OK, with the transcript
     */
    public List<String> imap(final String user, final List<String> commands) throws IOException {
        try (RawImapClient client = new RawImapClient(imapPort, false, null)) {
            final List<String> transcript = new ArrayList<>();
            transcript.add(client.line());
            final List<String> answers = new ArrayList<>();
            final List<String> all = new ArrayList<>();
            all.add("LOGIN " + quote(user) + " " + quote(PASSWORD));
            all.addAll(commands);
            all.add("LOGOUT");
            for (int n = 0; n < all.size(); n++) {
                final String tag = "c" + n;
                client.send(tag + " " + all.get(n) + "\r\n");
                final List<String> reply = client.until(tag);
                transcript.addAll(reply);
                final String tagged = reply.get(reply.size() - 1);
                if (!tagged.startsWith(tag + " OK")) {
                    throw new IOException("Cyrus refused " + all.get(n).split(" ")[0] + " for " + user + ": "
                            + transcript);
                }
                if (n > 0 && n < all.size() - 1) {
                    answers.add(tagged.substring(tag.length() + 1).strip());
                }
            }
            return answers;
        } catch (final IOException e) {
            throw e;
        } catch (final Exception e) {
            throw new IOException("IMAP as " + user + " failed: " + e.getMessage(), e);
        }
    }

    private static String quote(final String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public Path base() {
        return base;
    }

    /** The uid master runs as after dropping root. */
    public int masterUid() throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc", String.valueOf(master.pid()), "status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.split("\\s+")[2]);
            }
        }
        throw new IOException("no Uid line for master " + master.pid());
    }

    @Override
    public void close() {
        // master normally takes its children down; stop() makes sure none outlives the test.
        MailServerProcess.stop(master, config);
    }

    private static void run(final List<String> command, final String input) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write((input + "\n").getBytes(StandardCharsets.UTF_8));
        }
        final String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    private static void chownTree(final Path root, final String user, final String group) throws IOException {
        final UserPrincipal owner = root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        final GroupPrincipal ownerGroup =
                root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        try (var paths = Files.walk(root)) {
            for (final Path path : paths.toList()) {
                final PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
                view.setOwner(owner);
                view.setGroup(ownerGroup);
            }
        }
    }
}
