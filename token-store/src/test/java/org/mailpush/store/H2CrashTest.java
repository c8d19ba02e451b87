package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A process writing registrations to H2 is killed with SIGKILL: everything it acknowledged is there afterwards. */
class H2CrashTest {

    /** The child process: registers devices one by one and prints "ACK n" once {@code register} returned. */
    public static void main(final String[] args) {
        try (TokenStore opened = new TokenStoreBuilder().url(args[0]).build()) {
            final RegistrationStore store = opened.registrations();
            for (int n = 0; ; n++) {
                store.register(registration(n));
                System.out.println("ACK " + n);
                System.out.flush();
            }
        }
    }

    /** Ten devices per user: the per-user device limit (100) is not what this test is about. */
    static Registration registration(final int n) {
        return Registration.of("crash-" + n / 10, "ACC-" + n, String.format("%064x", n), "com.apple.mobilemail", 2,
                Set.of("INBOX"), null, Instant.parse("2026-11-27T00:00:00Z"));
    }

    @Test
    void everyAcknowledgedRegistrationSurvivesSigkill(@TempDir final Path dir) throws Exception {
        final String url = "jdbc:h2:file:" + dir.resolve("tokens");
        final Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), H2CrashTest.class.getName(), url)
                .redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        final List<Integer> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < 400 && (line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acknowledged.add(Integer.parseInt(line.substring(4)));
                }
            }
            child.destroyForcibly();   // SIGKILL: no shutdown hook, no close, mid-write
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).as("the child wrote").hasSize(400);

        try (TokenStore opened = new TokenStoreBuilder().url(url).build()) {
            final RegistrationStore store = opened.registrations();
            for (final int n : acknowledged) {
                assertThat(store.find(registration(n).key())).as("acknowledged registration %d", n).isPresent();
            }
            assertThat(store.count()).as("the child may have committed a few more before it was killed")
                    .isGreaterThanOrEqualTo(400L);
        }
    }
}
