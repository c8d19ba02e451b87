package org.mailpush.server.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.config.MailpushConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files are checked by the real tools where they run without a container engine: Compose's own
 * parser, systemd's unit verifier; the Dockerfile builds what {@code ./mailpush} builds; the compose setup's
 * mailpush.yaml loads.
 */
class DeploymentFilesIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static String run(final Path workingDirectory, final String... command) throws Exception {
        final Process process;
        try {
            process = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true)
                    .start();
        } catch (final java.io.IOException e) {
            throw new AssertionError(command[0] + " is not installed (" + e.getMessage() + "): .ci/run installs it",
                    e);
        }
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }

    @Test
    void composeFileIsValidForComposesOwnParser() throws Exception {
        final String resolved = run(ROOT, "docker-compose", "-f", "docker-compose.yml", "config");
        assertThat(resolved).contains("postgres:", "mailpush:", "cyrus:", "notify:/run/mailpush",
                "condition: service_healthy", "127.0.0.1:9180:9180");
    }

    @Test
    void theDockerfileBuildsWhatTheReadmeBuilds() throws Exception {
        final String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        final String launcher = Files.readString(ROOT.resolve("mailpush"));
        final Matcher inLauncher = Pattern.compile("\\(cd \"\\$root\" && (mvn [^)]*)\\)").matcher(launcher);
        assertThat(inLauncher.find()).as("the build command in ./mailpush").isTrue();
        final Matcher inDockerfile = Pattern.compile("(?m)^RUN (mvn .*)$").matcher(dockerfile);
        assertThat(inDockerfile.find()).as("the build command in the Dockerfile").isTrue();
        assertThat(inDockerfile.group(1).trim()).isEqualTo(inLauncher.group(1).trim());
        assertThat(dockerfile).contains("COPY --from=build /src/server/target/mailpush.jar");
        assertThat(launcher).contains("jar=\"$root/server/target/mailpush.jar\"");
    }

    @Test
    void theComposeConfigurationLoads() throws Exception {
        final MailpushConfig config = ConfigLoader.parse(Files.readString(ROOT.resolve("docker/mailpush.yaml")),
                Path.of("/etc/mailpush/mailpush.yaml"));
        assertThat(config.store().url()).startsWith("jdbc:postgresql://postgres:5432/");
        assertThat(config.cyrus().orElseThrow().notifySocket().path()).isEqualTo(Path.of("/run/mailpush/notify"));
        assertThat(Files.readString(ROOT.resolve("docker/cyrus/imapd.conf")))
                .contains("notifysocket: /run/mailpush/notify", "event_notifier: "
                        + config.cyrus().orElseThrow().eventNotifier());
    }

    @Test
    void theSystemdUnitVerifiesCleanly() throws Exception {
        final Path unit = Files.copy(ROOT.resolve("docs/systemd/mailpush.service"), dir.resolve("mailpush.service"));
        final String output = run(dir, "systemd-analyze", "verify", unit.toString());
        assertThat(output.lines().filter(line -> line.contains("mailpush.service")).toList())
                .as("systemd-analyze's complaints about the unit").isEmpty();
        assertThat(Files.readString(unit)).contains("NoNewPrivileges=yes", "ProtectSystem=strict",
                "ReadWritePaths=/var/lib/mailpush /run/mailpush", "User=mailpush");
    }

    @Test
    void theSplitInstallsUnitsVerifyCleanlyAndKeepTheKeyFromTheIntake() throws Exception {
        for (final String name : java.util.List.of("mailpush-intake.service", "mailpush-pusher.service")) {
            final Path unit = Files.copy(ROOT.resolve("docs/systemd/" + name), dir.resolve(name));
            final String output = run(dir, "systemd-analyze", "verify", unit.toString());
            assertThat(output.lines().filter(line -> line.contains(name)).toList())
                    .as("systemd-analyze's complaints about " + name).isEmpty();
        }
        assertThat(Files.readString(ROOT.resolve("docs/systemd/mailpush-intake.service")))
                .contains("User=mailpush-in", "run --role intake", "InaccessiblePaths=-/etc/mailpush-out");
        assertThat(Files.readString(ROOT.resolve("docs/systemd/mailpush-pusher.service")))
                .contains("User=mailpush-out", "run --role pusher", "CapabilityBoundingSet=\n");
    }

    @Test
    void alertRulesAreWellFormed() throws Exception {
        final var yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(ROOT.resolve("docs/prometheus/mailpush-alerts.yml").toFile());
        final List<String> alerts = new java.util.ArrayList<>();
        yaml.path("groups").forEach(group -> group.path("rules").forEach(rule -> {
            assertThat(rule.path("expr").asText()).as(rule.path("alert").asText()).isNotBlank();
            assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
            alerts.add(rule.path("alert").asText());
        }));
        assertThat(alerts).contains("MailpushCredentialExpiringSoon", "MailpushRejectionRatioHigh",
                "MailpushCircuitOpen", "MailpushNoEvents");
    }
}
