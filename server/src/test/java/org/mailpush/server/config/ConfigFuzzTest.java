package org.mailpush.server.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration file, fed by Jazzer: any text gives a configuration or one {@link ConfigException} with a
 * one-line message, never another exception. A configuration it gives names what pushes go out with: a credential,
 * or (the intake of a split install, which never reads one) the topic. Seeds: the shipped example configurations.
 */
class ConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void configFile(final byte[] input) {
        try {
            final MailpushConfig config = ConfigLoader.parse(new String(input, StandardCharsets.UTF_8),
                    Path.of("/nonexistent/mailpush.yaml"));
            if (config.apns().credentials().isEmpty()) {
                assertThat(config.apns().topic()).as("no credential: the topic").isNotBlank();
            }
        } catch (final ConfigException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }
}
