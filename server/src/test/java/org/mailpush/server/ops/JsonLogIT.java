package org.mailpush.server.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ExampleConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code MAILPUSH_LOG_FORMAT=json}: the packaged service logs one JSON object per line and nothing else. */
class JsonLogIT {

    @TempDir
    Path dir;

    @Test
    void everyLineIsOneJsonObject() throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        try (LoopbackApnsServer apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                pki.caCertificateFile(), 0)) {
            final Path config = ExampleConfig.write(dir.resolve("mailpush.yaml"), dir.resolve("data/tokens"),
                    dir.resolve("notify"), null, apns.port(), pki.caCertificateFile(), pki.client().p12File(),
                    pki.client().p12PasswordFile());
            final ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-jar", Path.of("target", "mailpush.jar").toAbsolutePath().toString(), "run",
                    "--allow-root", "--config", config.toString()).redirectErrorStream(true);
            builder.environment().put("MAILPUSH_LOG_FORMAT", "json");
            final Process process = builder.start();
            final List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                    if (line.contains("mailpush started")) {
                        break;
                    }
                }
            } finally {
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(lines).isNotEmpty().last().asString().contains("mailpush started");
            final ObjectMapper json = new ObjectMapper();
            for (final String line : lines) {
                final JsonNode entry = json.readTree(line);
                assertThat(entry.isObject()).as(line).isTrue();
                assertThat(entry.path("level").asText()).as(line).isIn("INFO", "WARN", "ERROR");
                assertThat(entry.path("loggerName").asText()).as(line).startsWith("org.mailpush");
                assertThat(entry.path("formattedMessage").asText()).as(line).isNotEmpty();
                assertThat(entry.has("timestamp")).as(line).isTrue();
            }
        }
    }
}
