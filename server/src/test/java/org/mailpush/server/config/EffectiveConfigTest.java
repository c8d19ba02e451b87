package org.mailpush.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.testing.Secrets;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EffectiveConfigTest {

    @TempDir
    Path dir;

    @Test
    void theEffectiveConfigurationReadsBackAsTheSameAndHidesSecrets() throws Exception {
        Secrets.write(dir.resolve("intake.secret"), "correct horse battery staple\n");
        Secrets.write(dir.resolve("http.pass"), "tr0ub4dor\n");
        final Path file = dir.resolve("mailpush.yaml");
        Files.writeString(file, """
                store:
                  url: jdbc:postgresql://mailpush:hun@ter/2@db:5432/mailpush?password=hunter2&ssl=true
                  cache-max-age: 90s
                cyrus:
                  notify-socket: dlist:sock/notify
                intake:
                  listen: 0.0.0.0:9181
                  secret-file: intake.secret
                apns:
                  retry: { max-attempts: 3 }
                  credentials:
                    - p8: AuthKey.p8
                      team-id: TEAM123456
                      key-id: ABCDE12345
                      topic: com.apple.mail.XServer.x
                      environment: sandbox
                http:
                  user: ops
                  password-file: http.pass
                """);
        final MailpushConfig config = ConfigLoader.load(file);
        final String effective = EffectiveConfig.yaml(config);

        assertThat(effective).doesNotContain("hunter2", "hun@ter", "ter/2", "correct horse", "tr0ub4dor")
                .contains("password=********&ssl=true", "//mailpush:********@db:5432",
                        "notify-socket: dlist:" + dir.resolve("sock/notify"), "cache-max-age: 90s",
                        "max-attempts: 3", "initial-backoff: 1s", "environment: development",
                        "secret-file: " + dir.resolve("intake.secret"));
        // Read back (the masked URL apart), it is the same configuration: nothing is lost or reinterpreted.
        final Path again = dir.resolve("again.yaml");
        Files.writeString(again, effective.replace("mailpush:********@", "").replace("password=********&", ""));
        final MailpushConfig reread = ConfigLoader.load(again);
        assertThat(reread.cyrus()).isEqualTo(config.cyrus());
        assertThat(reread.apns().settings()).isEqualTo(config.apns().settings());
        assertThat(reread.intake().orElseThrow().settings()).isEqualTo(config.intake().orElseThrow().settings());
        assertThat(reread.http().settings()).isEqualTo(config.http().settings());
        assertThat(reread.routing()).isEqualTo(config.routing());
        assertThat(reread.store().cacheMaxAge()).isEqualTo(config.store().cacheMaxAge());
    }
}
