package org.mailpush.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Cyrus IMAP (Debian's {@code cyrus-imapd}) run from a temporary folder on loopback ports with its own
 * imapd.conf and cyrus.conf, not the system service. Started as root, Cyrus's master drops to the {@code cyrus}
 * user, so socket permissions between Cyrus and mailpush are exercised for real.
 *
 * <p>When Cyrus is not installed, {@link #start} fails (it never skips): {@code .ci/run} installs it.</p>
 */
public final class CyrusServer implements AutoCloseable {

    public static final Path MASTER = Path.of("/usr/lib/cyrus/bin/master");
    /** Distinctive, so that a log scan can look for it (see LogScanIT). */
    public static final String PASSWORD = "quokka-2718-pw";

    private final Path base;
    private final Path config;
    private final Process master;
    private final int imapPort;
    private final int lmtpPort;

    private CyrusServer(final Path base, final Path config, final Process master, final int imapPort,
                        final int lmtpPort) {
        this.base = base;
        this.config = config;
        this.master = master;
        this.imapPort = imapPort;
        this.lmtpPort = lmtpPort;
    }

    /** What to put in imapd.conf beyond the basics. */
    public record Settings(String apsTopic, String notifySocket, boolean altNamespace, boolean unixHierarchySep,
                           List<String> users) {
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
        final int imapPort = MailServerProcess.freePort();
        final int lmtpPort = MailServerProcess.freePort();
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Folders.makeTraversable(base);
        for (final String sub : List.of("conf", "spool", "run")) {
            Files.createDirectories(base.resolve(sub));
        }
        final Path config = base.resolve("imapd.conf");
        Files.writeString(config, String.join("\n",
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
                "imapidlepoll: 1",
                ""));
        Files.writeString(base.resolve("cyrus.conf"), String.join("\n",
                "START {",
                "  recover cmd=\"ctl_cyrusdb -C " + config + " -r\"",
                "}",
                "SERVICES {",
                "  imap cmd=\"imapd -C " + config + "\" listen=\"127.0.0.1:" + imapPort + "\" prefork=0",
                "  lmtp cmd=\"lmtpd -C " + config + " -a\" listen=\"127.0.0.1:" + lmtpPort + "\" prefork=0",
                "}",
                "EVENTS {",
                "}",
                "DAEMON {",
                "}",
                ""));
        for (final String user : settings.users()) {
            run(List.of("saslpasswd2", "-p", "-c", "-f", base.resolve("sasldb2").toString(), "-u", "localhost", user),
                    PASSWORD);
        }
        chownTree(base, "cyrus", "mail");

        final Process master = new ProcessBuilder(MASTER.toString(), "-C", config.toString(), "-M",
                base.resolve("cyrus.conf").toString(), "-p", base.resolve("run/master.pid").toString())
                .redirectErrorStream(true)
                .redirectOutput(base.resolve("master.log").toFile())
                .start();
        final CyrusServer server = new CyrusServer(base, config, master, imapPort, lmtpPort);
        try {
            MailServerProcess.awaitGreeting("Cyrus master", master, imapPort, Duration.ofSeconds(20),
                    () -> Files.readString(base.resolve("master.log")));
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
