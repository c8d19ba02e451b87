package org.mailpush.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Dovecot (Debian's {@code dovecot-core}, {@code dovecot-imapd}, {@code dovecot-lmtpd}) run in the
 * foreground from a temporary folder with its own configuration, on loopback ports: IMAP and LMTP, users in a
 * passwd-file, maildirs owned by the {@code mail} user. Extra configuration lines (push_notification, Lua) can be
 * added.
 *
 * <p>When Dovecot is not installed, {@link #start} fails (it never skips): {@code .ci/run} installs it.</p>
 */
public final class DovecotServer implements AutoCloseable {

    public static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    /** The same as Cyrus's, so that one interop contract runs against both. */
    public static final String PASSWORD = CyrusServer.PASSWORD;

    private final Path base;
    private final Path config;
    private final Process process;
    private final int imapPort;
    private final int imapsPort;
    private final int lmtpPort;

    /** A certificate and key (PEM files) for Dovecot's implicit-TLS IMAP listener. */
    public record Tls(Path certificate, Path key) {
    }

    private DovecotServer(final Path base, final Path config, final Process process, final int imapPort,
                          final int imapsPort, final int lmtpPort) {
        this.base = base;
        this.config = config;
        this.process = process;
        this.imapPort = imapPort;
        this.imapsPort = imapsPort;
        this.lmtpPort = lmtpPort;
    }

    /**
     * @param users      the users to create (password {@link #PASSWORD})
     * @param extraLines further dovecot.conf lines, appended as they are
     */
    public static DovecotServer start(final Path base, final List<String> users, final List<String> extraLines)
            throws IOException, InterruptedException {
        return start(base, users, extraLines, null);
    }

    /**
     * As {@link #start(Path, List, List)}, with an implicit-TLS IMAP listener ({@link #imapsPort()}) when
     * {@code tls} is given; the plain listener stays.
     */
    public static DovecotServer start(final Path base, final List<String> users, final List<String> extraLines,
                                      final Tls tls) throws IOException, InterruptedException {
        if (!Files.isExecutable(DOVECOT) || !Files.exists(Path.of("/usr/lib/dovecot/imap"))) {
            throw new AssertionError("Dovecot is not installed (" + DOVECOT + " or /usr/lib/dovecot/imap missing):"
                    + " install dovecot-core and dovecot-lmtpd, and dovecot-imapd (unpacked beside cyrus-imapd,"
                    + " with which it conflicts), as .ci/run does");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("the Dovecot interop tests start Dovecot as root; run them as root (CI does)");
        }
        final int imapPort = MailServerProcess.freePort();
        final int lmtpPort = MailServerProcess.freePort();
        final int imapsPort = tls == null ? 0 : MailServerProcess.freePort();
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Folders.makeTraversable(base);
        for (final String sub : List.of("run", "mail", "home")) {
            Files.createDirectories(base.resolve(sub));
        }
        // Mail is stored as the mail user (uid 8), as Debian's Dovecot examples do.
        final java.nio.file.attribute.UserPrincipalLookupService lookup =
                base.getFileSystem().getUserPrincipalLookupService();
        for (final String sub : List.of("mail", "home")) {
            Files.setOwner(base.resolve(sub), lookup.lookupPrincipalByName("mail"));
        }
        final List<String> passwd = new ArrayList<>();
        for (final String user : users) {
            passwd.add(user + ":{PLAIN}" + PASSWORD + "::::::");
        }
        Files.write(base.resolve("passwd"), passwd);
        final Path config = base.resolve("dovecot.conf");
        final List<String> lines = new ArrayList<>(List.of(
                "base_dir = " + base.resolve("run"),
                "instance_name = mailpush-test-" + imapPort,
                "state_dir = " + base.resolve("run/state"),
                "protocols = imap lmtp",
                "listen = 127.0.0.1",
                tls == null ? "ssl = no" : "ssl = yes",
                "disable_plaintext_auth = no",
                "auth_mechanisms = plain login",
                "log_path = " + base.resolve("dovecot.log"),
                "mail_location = maildir:" + base.resolve("mail") + "/%u",
                "mail_uid = mail",
                "mail_gid = mail",
                "first_valid_uid = 8",
                "first_valid_gid = 8",
                "default_login_user = dovenull",
                "default_internal_user = dovecot",
                "passdb {",
                "  driver = passwd-file",
                "  args = " + base.resolve("passwd"),
                "}",
                "userdb {",
                "  driver = static",
                "  args = uid=mail gid=mail home=" + base.resolve("home") + "/%u",
                "}",
                "namespace inbox {",
                "  inbox = yes",
                "  separator = /",
                "  mailbox Sent {",
                "    auto = create",
                "    special_use = \\Sent",
                "  }",
                "  mailbox Trash {",
                "    auto = create",
                "    special_use = \\Trash",
                "  }",
                "}",
                "service imap-login {",
                "  inet_listener imap {",
                "    address = 127.0.0.1",
                "    port = " + imapPort,
                "  }",
                "  inet_listener imaps {",
                "    address = 127.0.0.1",
                "    port = " + imapsPort,
                "  }",
                "}",
                "service lmtp {",
                "  inet_listener lmtp {",
                "    address = 127.0.0.1",
                "    port = " + lmtpPort,
                "  }",
                "}",
                "service anvil {",
                "  chroot =",
                "}",
                "service imap-login {",
                "  chroot =",
                "}"));
        if (tls != null) {
            // Dovecot reads the files as root before dropping privileges: no copies needed.
            lines.add("ssl_cert = <" + tls.certificate());
            lines.add("ssl_key = <" + tls.key());
        }
        lines.addAll(extraLines);
        lines.add("");
        Files.write(config, lines);
        final Process process = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(base.resolve("dovecot.out").toFile())
                .start();
        final DovecotServer server = new DovecotServer(base, config, process, imapPort, imapsPort, lmtpPort);
        try {
            MailServerProcess.awaitGreeting("Dovecot", process, imapPort, Duration.ofSeconds(20),
                    () -> Files.readString(base.resolve("dovecot.out")) + server.log());
        } catch (final IOException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    public int imapPort() {
        return imapPort;
    }

    /** The implicit-TLS IMAP port, 0 when started without {@link Tls}. */
    public int imapsPort() {
        return imapsPort;
    }

    public int lmtpPort() {
        return lmtpPort;
    }

    public Path base() {
        return base;
    }

    /** Dovecot's own log, for assertions and for a failing test's message. */
    public String log() throws IOException {
        final Path log = base.resolve("dovecot.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        MailServerProcess.stop(process, config);
    }

    /** Files under the user's maildir (for checks that mail landed). */
    public List<Path> mailFiles(final String user) throws IOException {
        final Path maildir = base.resolve("mail").resolve(user);
        if (!Files.exists(maildir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(maildir)) {
            return files.filter(Files::isRegularFile).filter(f -> f.getParent().getFileName().toString()
                    .equals("new") || f.getParent().getFileName().toString().equals("cur")).toList();
        }
    }
}
