package org.mailpush.server.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.credentials.CredentialLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.server.cli.Cli.mailpush;

/** {@code mailpush certs inspect} and {@code certs install} on generated, Apple-shaped material. */
class CertsCommandTest {

    @TempDir
    Path dir;
    ExamplePki pki;

    @BeforeEach
    void makePki() {
        pki = ExamplePki.create(dir.resolve("pki"));
    }

    private static void assertNoStackTrace(final Cli.Run run) {
        assertThat(run.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aPkcs12WithItsPasswordIsValidAndEveryFactIsPrinted() {
        final Cli.Run run = mailpush("certs", "inspect", pki.client().p12File().toString(), "--password-file",
                pki.client().p12PasswordFile().toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains(
                "format        PKCS#12",
                "subject       UID=" + pki.client().topic() + ",CN=APSP:",
                "issuer        CN=mailpush example CA (throwaway)",
                "topic         " + pki.client().topic(),
                "environments  development (api.sandbox.push.apple.com), production (api.push.apple.com)",
                "days left)",
                "key           RSA 2048, belongs to the certificate")
                .endsWith("VALID: mailpush can push with it\n");
        assertThat(run.out()).doesNotContain("warning:").doesNotContain(ExamplePki.PASSWORD);
    }

    @Test
    void aPkcs12WithoutPasswordNeedsNone() {
        final Path open = pki.writePkcs12(pki.client(), "open.p12", "");
        final Cli.Run run = mailpush("certs", "inspect", open.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("topic         " + pki.client().topic());
    }

    @Test
    void aWrongOrMissingPasswordIsOneClearProblem() throws Exception {
        final Path wrong = Files.writeString(dir.resolve("wrong.pass"), "not-it\n");
        final Cli.Run run = mailpush("certs", "inspect", pki.client().p12File().toString(), "--password-file",
                wrong.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("problem: wrong password for this PKCS#12 file")
                .endsWith("INVALID: mailpush cannot push with it\n");
        assertNoStackTrace(run);

        final Cli.Run none = mailpush("certs", "inspect", pki.client().p12File().toString());
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.out()).contains("problem: the PKCS#12 file is protected by a password; give its password"
                + " file");
        assertNoStackTrace(none);

        final Cli.Run noFile = mailpush("certs", "inspect", dir.resolve("nope.p12").toString());
        assertThat(noFile.exit()).isEqualTo(1);
        assertThat(noFile.out()).contains("problem: no such file");
    }

    @Test
    void aPemCertificateWithAnEncryptedKey() {
        final Cli.Run run = mailpush("certs", "inspect", pki.client().certificateFile().toString(), "--key",
                pki.client().encryptedKeyFile().toString(), "--password-file", pki.client().p12PasswordFile()
                        .toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("format        PEM", "belongs to the certificate");

        final Cli.Run withoutPassword = mailpush("certs", "inspect", pki.client().certificateFile().toString(),
                "--key", pki.client().encryptedKeyFile().toString());
        assertThat(withoutPassword.exit()).isEqualTo(1);
        assertThat(withoutPassword.out()).contains("the private key is encrypted; give its password-file");
        assertNoStackTrace(withoutPassword);

        final Cli.Run withoutKey = mailpush("certs", "inspect", pki.client().certificateFile().toString());
        assertThat(withoutKey.exit()).isEqualTo(1);
        assertThat(withoutKey.out()).contains("problem: no private key: give the key file (--key)");
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificate() {
        final ExamplePki.ClientCredentialFiles other = pki.issueClient("other", ExamplePki.ClientSpec.mail());
        final Cli.Run run = mailpush("certs", "inspect", pki.client().certificateFile().toString(), "--key",
                other.keyFile().toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("key           RSA 2048, does NOT belong to the certificate",
                "problem: the private key does not belong to this certificate");
    }

    @Test
    void anExpiredCertificateIsInvalidAndOneExpiringSoonIsWarnedAbout() {
        final Instant now = Instant.now();
        final ExamplePki.ClientCredentialFiles expired = pki.issueClient("expired", ExamplePki.ClientSpec.mail()
                .withValidity(now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(35))));
        final Cli.Run run = mailpush("certs", "inspect", expired.certificateFile().toString(), "--key",
                expired.keyFile().toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("(expired 35 days ago)", "problem: the certificate expired on");

        final ExamplePki.ClientCredentialFiles soon = pki.issueClient("soon", ExamplePki.ClientSpec.mail()
                .withValidity(now.minus(Duration.ofDays(355)), now.plus(Duration.ofDays(10)).plusSeconds(60)));
        final Cli.Run warned = mailpush("certs", "inspect", soon.certificateFile().toString(), "--key",
                soon.keyFile().toString());
        assertThat(warned.exit()).isZero();
        assertThat(warned.out()).contains("(10 days left)", "warning: the certificate expires in 10 days",
                "renew it now", "VALID: mailpush can push with it (see the warnings)");
    }

    @Test
    void aCertificateWithoutUidNamesNoTopic() {
        final ExamplePki.ClientCredentialFiles noUid = pki.issueClient("no-uid",
                ExamplePki.ClientSpec.mail().withTopic(null));
        final Cli.Run run = mailpush("certs", "inspect", noUid.certificateFile().toString(), "--key",
                noUid.keyFile().toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("problem: the certificate subject has no UID, so it names no push topic")
                .doesNotContain("topic         ");
    }

    @Test
    void anMdmTopicIsAcceptedWithAWarningThatMailWillNotWake() {
        final String mdm = "com.apple.mgmt.External." + UUID.randomUUID();
        final ExamplePki.ClientCredentialFiles credential = pki.issueClient("mdm",
                ExamplePki.ClientSpec.mail().withTopic(mdm));
        final Cli.Run run = mailpush("certs", "inspect", credential.p12File().toString(), "--password-file",
                credential.p12PasswordFile().toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("topic         " + mdm, "warning: topic " + mdm + " is not a mail,"
                + " calendar or contacts topic (com.apple.mail...., com.apple.calendar...., com.apple.contact....):"
                + " APNs accepts pushes to it, but neither Mail, Calendar nor Contacts on the phones will wake for"
                + " them");
    }

    @Test
    void calendarAndContactsTopicsAreTopicsOfTheirOwn() {
        for (final String topic : List.of("com.apple.calendar.XServer." + UUID.randomUUID(),
                "com.apple.contact.XServer." + UUID.randomUUID())) {
            final ExamplePki.ClientCredentialFiles credential = pki.issueClient(topic.substring(10, 18),
                    ExamplePki.ClientSpec.mail().withTopic(topic));
            final Cli.Run run = mailpush("certs", "inspect", credential.p12File().toString(), "--password-file",
                    credential.p12PasswordFile().toString());
            assertThat(run.exit()).isZero();
            assertThat(run.out()).contains("topic         " + topic, "pushes        "
                    + (topic.contains("calendar") ? "calendar" : "contacts")).doesNotContain("warning: topic");
        }
    }

    @Test
    void aCertificateWithoutApplesPushMarksIsWarnedAbout() {
        final ExamplePki.ClientCredentialFiles unmarked = pki.issueClient("unmarked",
                ExamplePki.ClientSpec.mail().withEnvironments());
        final Cli.Run run = mailpush("certs", "inspect", unmarked.certificateFile().toString(), "--key",
                unmarked.keyFile().toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("environments  none marked", "warning: the certificate carries neither of"
                + " Apple's push environment marks");
    }

    @Test
    void aTokenKeyNeedsItsTeamIdAndTopic() {
        final ExamplePki.TokenKeyFiles key = pki.writeTokenKey("com.apple.mail.XServer." + UUID.randomUUID());
        final Cli.Run run = mailpush("certs", "inspect", key.p8File().toString(), "--team-id", key.teamId(),
                "--topic", key.topic());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("format        token key (.p8)", "team id       " + key.teamId(),
                "key id        " + key.keyId(), "key           EC P-256", "topic         " + key.topic());

        final Cli.Run incomplete = mailpush("certs", "inspect", key.p8File().toString());
        assertThat(incomplete.exit()).isEqualTo(1);
        assertThat(incomplete.out()).contains("problem: the team id is not known: give --team-id",
                "problem: a token key is not bound to a topic: give --topic");
    }

    @Test
    void installOfARenewalRewritesTheConfiguredFilesInPlace() throws Exception {
        final Path config = writeConfig(pki.client().p12File(), pki.client().p12PasswordFile());
        Files.setPosixFilePermissions(pki.client().p12File(), PosixFilePermissions.fromString("rw-r-----"));
        final String before = Files.readString(config);
        final ExamplePki.ClientCredentialFiles renewal = pki.issueClient("renewal",
                ExamplePki.ClientSpec.mail().withTopic(pki.client().topic()));

        // A PEM renewal of a PKCS#12 entry: written as PKCS#12, with the entry's own password.
        final Cli.Run run = mailpush("certs", "install", renewal.certificateFile().toString(), "--key",
                renewal.keyFile().toString(), "--config", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("installed: replaced apns.credentials[0] (" + pki.client().topic()
                + "): wrote " + pki.client().p12File(), "a running mailpush reloads it within 10 s");
        assertThat(Files.readString(config)).isEqualTo(before);
        assertThat(CredentialLoader.loadPkcs12(pki.client().p12File(), ExamplePki.PASSWORD.toCharArray())
                .certificate()).isEqualTo(renewal.certificate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.client().p12File())))
                .as("the replaced file keeps its mode").isEqualTo("rw-r-----");
        try (var leftovers = Files.list(pki.directory())) {
            assertThat(leftovers.filter(f -> f.getFileName().toString().endsWith(".new"))).isEmpty();
        }
    }

    @Test
    void installOfANewTopicAddsAnEntryAndKeepsTheAdminsComments() throws Exception {
        final Path config = writeConfig(pki.client().p12File(), pki.client().p12PasswordFile());
        final ExamplePki.ClientCredentialFiles second = pki.issueClient("second", ExamplePki.ClientSpec.mail()
                .withEnvironments(ExamplePki.APPLE_PUSH_DEVELOPMENT_OID));
        final Cli.Run run = mailpush("certs", "install", second.p12File().toString(), "--password-file",
                second.p12PasswordFile().toString(), "-c", config.toString());
        assertThat(run.exit()).as(run.all()).isZero();
        final Path installed = dir.resolve("credentials").resolve(second.topic() + ".p12");
        assertThat(run.out()).contains("installed: added apns.credentials[1] (" + second.topic() + ")",
                "restart mailpush to use the new topic");
        final String text = Files.readString(config);
        assertThat(text).contains("# the site's certificate, renewed every year",
                "    - p12: " + installed + "\n      password-file: " + installed + ".pass\n"
                        + "      environment: development\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installed))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("credentials"))))
                .isEqualTo("rwx------");
        final Cli.Run inspect = mailpush("certs", "inspect", installed.toString(), "--password-file",
                installed + ".pass");
        assertThat(inspect.out()).contains("topic         " + second.topic());
        assertThat(Files.readString(Path.of(installed + ".pass"))).doesNotContain(ExamplePki.PASSWORD);
    }

    @Test
    void calendarAndContactsCertificatesAreInstalledBesideTheMailOneOnePerTopic() throws Exception {
        final Path config = writeConfig(pki.client().p12File(), pki.client().p12PasswordFile());
        final String calendar = "com.apple.calendar.XServer." + UUID.randomUUID();
        final String contacts = "com.apple.contact.XServer." + UUID.randomUUID();
        int entry = 1;
        for (final String topic : List.of(calendar, contacts)) {
            final ExamplePki.ClientCredentialFiles credential = pki.issueClient("dav" + entry,
                    ExamplePki.ClientSpec.mail().withTopic(topic));
            final Cli.Run run = mailpush("certs", "install", credential.p12File().toString(), "--password-file",
                    credential.p12PasswordFile().toString(), "-c", config.toString());
            assertThat(run.exit()).as(run.all()).isZero();
            final String hint = topic.equals(calendar) ? "calendar push once imapd.conf has aps_topic_caldav: "
                    : "contacts push once imapd.conf has aps_topic_carddav: ";
            assertThat(run.out()).contains("installed: added apns.credentials[" + entry + "] (" + topic + ")",
                    "Cyrus offers " + hint + topic);
            entry++;
        }
        final Cli.Run lines = mailpush("cyrus-config", "-c", config.toString());
        assertThat(lines.out()).contains("aps_topic: " + pki.client().topic() + "\n",
                "httpmodules: caldav carddav\n", "aps_topic_caldav: " + calendar + "\n",
                "aps_topic_carddav: " + contacts + "\n");
    }

    @Test
    void installRefusesAnInvalidCredentialAndWritesNothing() throws Exception {
        final Path config = writeConfig(pki.client().p12File(), pki.client().p12PasswordFile());
        final byte[] before = Files.readAllBytes(pki.client().p12File());
        final ExamplePki.ClientCredentialFiles expired = pki.issueClient("expired", ExamplePki.ClientSpec.mail()
                .withTopic(pki.client().topic())
                .withValidity(Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(1))));
        final Cli.Run run = mailpush("certs", "install", expired.p12File().toString(), "--password-file",
                expired.p12PasswordFile().toString(), "-c", config.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("not installed: " + expired.p12File() + " is not usable");
        assertThat(Files.readAllBytes(pki.client().p12File())).isEqualTo(before);
        assertThat(dir.resolve("credentials")).doesNotExist();
    }

    @Test
    void everySubcommandExplainsItself() {
        for (final String[] command : new String[][]{{"certs", "inspect", "--help"}, {"certs", "install", "--help"},
                {"check", "--help"}, {"send-test", "--help"}, {"cyrus-config", "--help"},
                {"dovecot-config", "--help"}, {"tokens", "list", "--help"}, {"tokens", "show", "--help"},
                {"tokens", "revoke", "--help"}}) {
            final Cli.Run run = mailpush(command);
            assertThat(run.exit()).isZero();
            assertThat(run.out()).startsWith("Usage: mailpush " + String.join(" ", command).replace(" --help", ""));
            assertThat(run.out().lines().count()).as(String.join(" ", command)).isGreaterThan(3);
        }
    }

    private Path writeConfig(final Path p12, final Path password) throws Exception {
        return Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                "# mailpush for example.org",
                "cyrus:",
                "  notify-socket: " + dir.resolve("notify"),
                "apns:",
                "  credentials:",
                "    # the site's certificate, renewed every year",
                "    - p12: " + p12,
                "      password-file: " + password,
                "",
                "  # delivery tuning",
                "  change-delay: 20s",
                "http:",
                "  listen: 127.0.0.1:0",
                ""));
    }
}
