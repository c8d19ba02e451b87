package org.mailpush.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a mailpush.yaml pointed at a test APNs (the demo's and the tests'): the same configuration a site writes,
 * with the APNs host, trust and a throwaway credential filled in.
 */
public final class ExampleConfig {

    private ExampleConfig() {
    }

    /**
     * @param extraLines further YAML lines appended as they are (e.g. an {@code apns:} tunable must be indented by
     *                   two spaces and comes right after the credentials)
     */
    public static Path write(final Path file, final Path storeFile, final Path socket, final String socketGroup,
                             final int apnsPort, final Path trust, final Path p12, final Path p12PasswordFile,
                             final String... extraLines) throws IOException {
        final List<String> lines = new ArrayList<>(List.of(
                "# Written by mailpush for a test APNs: a site's configuration has the same shape.",
                "store:",
                "  url: jdbc:h2:file:" + storeFile,
                "cyrus:",
                "  notify-socket: " + socket,
                "  socket-mode: \"0660\""));
        if (socketGroup != null) {
            lines.add("  socket-group: " + socketGroup);
        }
        lines.addAll(List.of(
                "http:",
                "  listen: 127.0.0.1:0",
                "apns:",
                "  host: localhost",
                "  port: " + apnsPort,
                "  trust: " + trust,
                "  credentials:",
                "    - p12: " + p12,
                "      password-file: " + p12PasswordFile));
        lines.addAll(List.of(extraLines));
        lines.add("");
        Files.writeString(file, String.join("\n", lines));
        return file;
    }
}
