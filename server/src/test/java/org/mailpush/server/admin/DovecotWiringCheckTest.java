package org.mailpush.server.admin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.server.admin.InstallCheck.Result;
import org.mailpush.server.admin.InstallCheck.Verdict;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;
import org.mailpush.testing.Secrets;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mailpush check}'s Dovecot lines, with a {@code doveconf} stand-in on the search path that prints what the
 * real doveconf 2.3.19 prints ({@code -n}: sections, quoted values, the user part of a URL hidden; {@code -h KEY}:
 * one value as written). The xapsd and intake listeners are plain sockets bound where this mailpush's configuration
 * says: the check connects, it never sends a request.
 */
class DovecotWiringCheckTest {

    @TempDir
    Path dir;
    private ServerSocket xapsd;
    private ServerSocket intake;

    @BeforeEach
    void listen() throws IOException {
        xapsd = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        intake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        xapsd.close();
        intake.close();
    }

    /** The header doveconf -n starts with, then the given lines. */
    private Path doveconf(final String... lines) throws IOException {
        return doveconf(String.join("\n", lines), null);
    }

    /**
     * A doveconf that prints {@code effective} for {@code -n} and {@code xapsConfig} for
     * {@code -h plugin/xaps_config}, as the real one does; any other {@code -h} fails as doveconf does for an unknown
     * setting.
     */
    private Path doveconf(final String effective, final String xapsConfig) throws IOException {
        final Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("effective.conf"), "# 2.3.19.1 (9b53102964): /etc/dovecot/dovecot.conf\n"
                + "# Pigeonhole version 0.5.19 (4eae2f79)\n# OS: Linux 6.1.0 x86_64 Debian 12.11\n" + effective + "\n");
        Files.writeString(dir.resolve("xaps_config.value"), xapsConfig == null ? "" : xapsConfig + "\n");
        final Path script = bin.resolve("doveconf");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "while [ $# -gt 0 ]; do",
                "  case \"$1\" in",
                "    -c) shift ;;",
                "    -n) cat '" + dir.resolve("effective.conf") + "'; exit 0 ;;",
                "    -h) [ \"$2\" = plugin/xaps_config ] && { cat '" + dir.resolve("xaps_config.value")
                        + "'; exit 0; }",
                "        echo \"doveconf: Fatal: Unknown setting: $2\" >&2; exit 1 ;;",
                "  esac",
                "  shift",
                "done",
                "exit 64",
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private MailpushConfig mailpush(final String... sections) throws Exception {
        final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n", sections)
                + "\nstore:\n  url: jdbc:h2:mem:unused\napns:\n  topic: "
                        + "com.apple.mail.XServer.3a8e1f52-6d7b-4c1e-9a0f-2b4c6d8e0f12\n");
        return ConfigLoader.load(config);
    }

    private MailpushConfig withXapsd(final String secretLine) throws Exception {
        return mailpush("xapsd:", "  listen: 127.0.0.1:" + xapsd.getLocalPort(), secretLine);
    }

    private static List<Result> check(final MailpushConfig config, final Path bin) {
        final Path doveconf = InstallCheck.findDoveconf("/nonexistent:" + bin + ":/usr/bin");
        assertThat(doveconf).isEqualTo(bin.resolve("doveconf"));
        return new DovecotWiringCheck(config, new Doveconf(doveconf, null)).run();
    }

    private static final String XAPS_PLUGINS = String.join("\n",
            "protocols = \" imap lmtp\"",
            "protocol imap {",
            "  mail_plugins = \" notify push_notification xaps_push_notification xaps_imap\"",
            "}",
            "protocol lmtp {",
            "  mail_plugins = \" notify push_notification xaps_push_notification\"",
            "}");

    @Test
    void xapsUrlWithoutXapsConfigFailsAndNamesTheLineToWrite() throws Exception {
        final List<Result> results = check(withXapsd(""), doveconf(
                "plugin {",
                "  push_notification_driver = xaps",
                "  xaps_url = http://127.0.0.1:" + xapsd.getLocalPort(),
                "}",
                XAPS_PLUGINS));
        assertThat(results).hasSize(1);
        assertThat(results.get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(results.get(0).item()).isEqualTo("dovecot xaps_config");
        assertThat(results.get(0).detail()).contains("plugin { xaps_url } is set, but the xaps plugin reads only"
                        + " xaps_config", "Panic",
                "Write instead, in plugin { }: xaps_config = url=http://127.0.0.1:" + xapsd.getLocalPort());
    }

    @Test
    void theRightLinePassesWhenTheXapsdListenerIsThere() throws Exception {
        final List<Result> results = check(withXapsd(""), doveconf(
                "plugin {",
                "  push_notification_driver = xaps",
                "  xaps_config = url=http://127.0.0.1:" + xapsd.getLocalPort() + " max_retries=6 timeout_msecs=5000",
                "}",
                XAPS_PLUGINS));
        assertThat(results).extracting(Result::verdict, Result::item, Result::detail).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Verdict.PASS, "dovecot xaps_config", "the xaps plugin reaches"
                        + " this mailpush's xapsd on 127.0.0.1:" + xapsd.getLocalPort()));
    }

    @Test
    void aUrlToAPortNothingListensOnFails() throws Exception {
        final int port = xapsd.getLocalPort();
        xapsd.close();
        final List<Result> results = check(withXapsd(""), doveconf(
                "plugin {",
                "  push_notification_driver = xaps",
                "  xaps_config = url=http://127.0.0.1:" + port,
                "}",
                XAPS_PLUGINS));
        assertThat(results).hasSize(1);
        assertThat(results.get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(results.get(0).detail()).startsWith("plugin { xaps_config }: nothing listens on 127.0.0.1:" + port)
                .endsWith("is mailpush run running?");
    }

    @Test
    void aUrlToAnotherPortThanTheXapsdListenerFails() throws Exception {
        final List<Result> results = check(withXapsd(""), doveconf(
                "plugin {",
                "  xaps_config = url=http://[::1]:11619",
                "  push_notification_driver = xaps",
                "}",
                XAPS_PLUGINS));
        assertThat(results.get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(results.get(0).detail()).isEqualTo("plugin { xaps_config }: http://[::1]:11619 is port 11619,"
                + " but this mailpush's xapsd listens on 127.0.0.1:" + xapsd.getLocalPort());
    }

    @Test
    void xapsConfigWithoutAnXapsdSectionFails() throws Exception {
        final List<Result> results = check(mailpush("intake:", "  listen: 127.0.0.1:" + intake.getLocalPort()),
                doveconf("plugin {", "  xaps_config = url=http://[::1]:11619", "}", XAPS_PLUGINS));
        assertThat(results.get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(results.get(0).detail()).contains("this mailpush has no xapsd: section");
    }

    @Test
    void theSecretIsReadBehindDoveconfsMaskComparedAndNeverPrinted() throws Exception {
        Secrets.write(dir.resolve("xapsd.secret"), "a/b@c\n");
        final MailpushConfig config = withXapsd("  secret-file: " + dir.resolve("xapsd.secret"));
        final String hidden = String.join("\n", "plugin {",
                "  push_notification_driver = xaps",
                "  xaps_config = url=http://#hidden_use-P_to_show#@127.0.0.1:" + xapsd.getLocalPort(),
                "}", XAPS_PLUGINS);

        // Written as Dovecot needs it: percent-encoded, with %% for each % (plugin settings expand %variables).
        final List<Result> right = check(config, doveconf(hidden, "url=http://xaps:a%%2Fb%%40c@127.0.0.1:"
                + xapsd.getLocalPort()));
        assertThat(right).extracting(Result::verdict).containsExactly(Verdict.PASS);
        assertThat(right.get(0).detail()).endsWith("with its secret");

        final List<Result> wrong = check(config, doveconf(hidden, "url=http://xaps:guess@127.0.0.1:"
                + xapsd.getLocalPort()));
        assertThat(wrong).extracting(Result::verdict).containsExactly(Verdict.FAIL);
        assertThat(wrong.get(0).detail()).contains("the secret in the URL is not the one in "
                + dir.resolve("xapsd.secret")).doesNotContain("guess", "a/b@c", "a%%2F");

        final List<Result> none = check(config, doveconf(String.join("\n", "plugin {",
                "  push_notification_driver = xaps",
                "  xaps_config = url=http://127.0.0.1:" + xapsd.getLocalPort(), "}", XAPS_PLUGINS), null));
        assertThat(none).extracting(Result::verdict).containsExactly(Verdict.FAIL);
        assertThat(none.get(0).detail()).contains("has no secret", "http://xaps:SECRET@127.0.0.1:");
    }

    @Test
    void aPluginThatIsNotWhollyLoadedWarns() throws Exception {
        final List<Result> results = check(withXapsd(""), doveconf(
                "plugin {",
                "  xaps_config = url=http://127.0.0.1:" + xapsd.getLocalPort(),
                "}",
                "protocols = \" imap lmtp\"",
                "protocol imap {",
                "  mail_plugins = \" notify push_notification xaps_push_notification\"",
                "}"));
        assertThat(results).extracting(Result::verdict).containsExactly(Verdict.PASS, Verdict.WARN);
        assertThat(results.get(1).detail()).contains("xaps_imap in protocol imap { mail_plugins }",
                "notify in protocol lmtp { mail_plugins }", "push_notification_driver = xaps in plugin { }");
    }

    @Test
    void theLuaDriversUrlMustReachTheIntakeWithItsSecret() throws Exception {
        Secrets.write(dir.resolve("intake.secret"), "lua-secret\n");
        Secrets.write(dir.resolve("dovecot-copy.secret"), "lua-secret\n");
        final MailpushConfig config = mailpush("intake:", "  listen: 127.0.0.1:" + intake.getLocalPort(),
                "  secret-file: " + dir.resolve("intake.secret"));
        final String lua = "  push_notification_driver = lua:file=/etc/dovecot/mailpush.lua";
        final String url = "  mailpush_url = http://127.0.0.1:" + intake.getLocalPort();

        assertThat(check(config, doveconf("plugin {", lua, url, "  mailpush_secret = <"
                + dir.resolve("dovecot-copy.secret"), "}"))).extracting(Result::verdict, Result::detail)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Verdict.PASS, "Dovecot's Lua driver reaches this"
                        + " mailpush's intake on 127.0.0.1:" + intake.getLocalPort() + " with its secret"));

        final List<Result> noSecret = check(config, doveconf("plugin {", lua, url, "}"));
        assertThat(noSecret).extracting(Result::verdict).containsExactly(Verdict.FAIL);
        assertThat(noSecret.get(0).detail()).contains("mailpush_secret } is not set", "401");

        final List<Result> noUrl = check(config, doveconf("plugin {", lua, "}"));
        assertThat(noUrl).extracting(Result::verdict).containsExactly(Verdict.FAIL);
        assertThat(noUrl.get(0).detail()).contains("mailpush_url } is not set",
                "mailpush_url = http://127.0.0.1:" + intake.getLocalPort());

        final int port = intake.getLocalPort();
        intake.close();
        final List<Result> down = check(config, doveconf("plugin {", lua, url, "  mailpush_secret = <"
                + dir.resolve("dovecot-copy.secret"), "}"));
        assertThat(down).extracting(Result::verdict).containsExactly(Verdict.FAIL);
        assertThat(down.get(0).detail()).contains("nothing listens on 127.0.0.1:" + port);
    }

    @Test
    void aDovecotThatPushesNowhereNearMailpushGivesNoLine() throws Exception {
        // What Debian's dovecot.conf gives, as doveconf -n prints it.
        assertThat(check(withXapsd(""), doveconf(
                "mail_location = mbox:~/mail:INBOX=/var/mail/%u",
                "mail_privileged_group = mail",
                "namespace inbox {",
                "  inbox = yes",
                "  location = ",
                "  mailbox \"Sent Messages\" {",
                "    special_use = \\Sent",
                "  }",
                "  prefix = ",
                "}",
                "passdb {",
                "  driver = pam",
                "}",
                "protocols = \" lmtp\""))).isEmpty();
    }

    @Test
    void aDoveconfThatFailsWarnsWithItsFirstErrorLine() throws Exception {
        final Path bin = Files.createDirectories(dir.resolve("failing"));
        final Path script = Files.writeString(bin.resolve("doveconf"), "#!/bin/sh\necho 'doveconf: Fatal: Error in"
                + " configuration file /etc/dovecot/dovecot.conf line 3: Unknown setting: xaps_ur' >&2\nexit 89\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        final List<Result> results = check(withXapsd(""), bin);
        assertThat(results).extracting(Result::verdict).containsExactly(Verdict.WARN);
        assertThat(results.get(0).detail()).contains("failed (exit 89): doveconf: Fatal: Error in configuration"
                + " file /etc/dovecot/dovecot.conf line 3", "not checked");
    }

    @Test
    void noDoveconfOnThePathIsNoDovecot() {
        assertThat(InstallCheck.findDoveconf(dir.toString())).isNull();
        assertThat(InstallCheck.findDoveconf(null)).isNull();
    }
}
