package org.mailpush.server.cli;

import org.mailpush.testing.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.server.cli.Cli.mailpush;

/** {@code mailpush cyrus-config} and {@code dovecot-config} print lines filled in from the install. */
class ServerConfigCommandsTest {

    @TempDir
    Path dir;
    ExamplePki pki;

    private Path config(final String... sections) throws Exception {
        pki = ExamplePki.create(dir.resolve("pki"));
        return Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n", sections) + "\n" + String.join("\n",
                "apns:",
                "  credentials:",
                "    - p12: " + pki.client().p12File(),
                "      password-file: " + pki.client().p12PasswordFile(),
                ""));
    }

    @Test
    void cyrusConfigHasTheTopicAndSocketOfThisInstall() throws Exception {
        final Path config = config("cyrus:", "  notify-socket: /run/cyrus/socket/mailpush",
                "  event-notifier: apple", "  socket-group: mail", "  altnamespace: false");
        final Cli.Run run = mailpush("cyrus-config", "--config", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("aps_topic: " + pki.client().topic() + "\n", "event_notifier: apple\n",
                        "event_groups: message mailbox flags applepushservice\n",
                        "notifysocket: /run/cyrus/socket/mailpush\n",
                        "#  notify  cmd=\"notifyd\" listen=\"/run/cyrus/socket/mailpush\" proto=\"udp\" prefork=1",
                        "with mode rw-rw----, group mail");
        // Cyrus's namespace needs no mirroring: nothing to print, though the file still sets a deprecated key.
        assertThat(run.out()).doesNotContain("altnamespace", "unixhierarchysep", "virtdomains");
    }

    @Test
    void dovecotConfigHasTheLuaDriverAndTheXapsPluginsOwnSettingNames() throws Exception {
        Secrets.write(dir.resolve("intake.secret"), "s3cret\n");
        final Path config = config("intake:", "  listen: 0.0.0.0:9181", "  secret-file: " + dir.resolve(
                "intake.secret"),
                "xapsd:", "  listen: \"[::1]:11619\"");
        final Cli.Run run = mailpush("dovecot-config", "-c", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains(
                "mail_plugins = $mail_plugins mail_lua notify push_notification push_notification_lua\n",
                "  push_notification_driver = lua:file=/etc/dovecot/mailpush.lua\n",
                "  mailpush_url = http://127.0.0.1:9181\n",
                "  mailpush_secret = <" + dir.resolve("intake.secret") + "\n",
                "add an imap-proxy: section",
                "# Or, instead of the Lua driver (not both: each would report every mail):\n")
                .doesNotContain("s3cret");
        assertXapsPluginSettings(run.out(), "  xaps_config = url=http://[::1]:11619\n");
    }

    /**
     * The names the xaps plugin reads (dovecot-xaps-plugin 197d68e: xaps-utils.c reads only xaps_config, whose url=
     * it parses with the user part allowed; xaps.conf loads xaps_imap for imap and xaps_push_notification with its
     * driver "xaps"). An xaps_url line makes the plugin abort every IMAP login and LMTP delivery.
     */
    private static void assertXapsPluginSettings(final String out, final String xapsConfigLine) {
        assertThat(out).contains(
                "protocol imap {\n  mail_plugins = $mail_plugins notify push_notification xaps_push_notification"
                        + " xaps_imap\n}\n",
                "protocol lmtp {\n  mail_plugins = $mail_plugins notify push_notification"
                        + " xaps_push_notification\n}\n",
                xapsConfigLine,
                "  push_notification_driver = xaps\n");
        assertThat(out.lines().filter(line -> line.strip().startsWith("xaps_url"))).isEmpty();
    }

    @Test
    void dovecotConfigForTheXapsPluginWithASecretPutsItInTheUrlsUserPart() throws Exception {
        Secrets.write(dir.resolve("xapsd.secret"), "plugin-secret\n");
        final Path config = config("xapsd:", "  listen: 0.0.0.0:11619", "  secret-file: " + dir.resolve(
                "xapsd.secret"));
        final Cli.Run run = mailpush("dovecot-config", "-c", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertXapsPluginSettings(run.out(), "  xaps_config = url=http://xaps:SECRET@127.0.0.1:11619\n");
        assertThat(run.out()).contains("replace SECRET with the line in " + dir.resolve("xapsd.secret"),
                "with %% for each %").doesNotContain("plugin-secret", "Lua");
    }

    @Test
    void withoutTheSectionTheyNeedTheyNameIt() throws Exception {
        final Path config = config("imap-proxy:", "  listen: 127.0.0.1:1143", "  allow-plain-login: true",
                "  upstream: { host: 127.0.0.1 }");
        final Cli.Run cyrus = mailpush("cyrus-config", "-c", config.toString());
        assertThat(cyrus.exit()).isEqualTo(78);
        assertThat(cyrus.err()).isEqualTo("mailpush: " + config + " has no cyrus: section; add cyrus: {"
                + " notify-socket: /run/cyrus/socket/notify } first\n");
        final Cli.Run dovecot = mailpush("dovecot-config", "-c", config.toString());
        assertThat(dovecot.exit()).isEqualTo(78);
        assertThat(dovecot.err()).contains("has neither an intake: nor an xapsd: section");
    }

    @Test
    void cyrusConfigHasTheDavTopicsOfTheInstalledCalendarAndContactsCredentials() throws Exception {
        final Path config = config("cyrus:", "  notify-socket: /run/cyrus/socket/notify");
        final Cli.Run mailOnly = mailpush("cyrus-config", "--config", config.toString());
        assertThat(mailOnly.out()).contains("# Calendar and Contacts push: install their certificates")
                .doesNotContain("httpmodules", "aps_topic_caldav");

        final String calendar = "com.apple.calendar.XServer.6c1a3b8e-7d4f-4c1e-9f2a-0b8d5e3c7a91";
        final String contacts = "com.apple.contact.XServer.6c1a3b8e-7d4f-4c1e-9f2a-0b8d5e3c7a91";
        final ExamplePki.ClientCredentialFiles calendarCredential = pki.issueClient("calendar",
                ExamplePki.ClientSpec.mail().withTopic(calendar));
        final ExamplePki.ClientCredentialFiles contactsCredential = pki.issueClient("contacts",
                ExamplePki.ClientSpec.mail().withTopic(contacts));
        Files.writeString(config, String.join("\n",
                "    - p12: " + calendarCredential.p12File(),
                "      password-file: " + calendarCredential.p12PasswordFile(),
                "    - p12: " + contactsCredential.p12File(),
                "      password-file: " + contactsCredential.p12PasswordFile(), ""),
                java.nio.file.StandardOpenOption.APPEND);
        final Cli.Run all = mailpush("cyrus-config", "--config", config.toString());
        assertThat(all.exit()).as(all.all()).isZero();
        assertThat(all.out()).contains("aps_topic: " + pki.client().topic() + "\n",
                "httpmodules: caldav carddav\n", "aps_topic_caldav: " + calendar + "\n",
                "aps_topic_carddav: " + contacts + "\n");
    }
}
