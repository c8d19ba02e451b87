package org.mailpush.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads secrets (passwords) from their own files, so they never sit in the configuration or a command line. */
public final class SecretFiles {

    private SecretFiles() {
    }

    /**
     * The first line of {@code file}, without its line ending.
     *
     * @param key the configuration key that named the file, for the message
     */
    public static char[] readPassword(final String key, final Path file) throws ConfigException {
        FilePermissions.requireOwnerOnly(key, file, "a secret");
        try {
            final String text = Files.readString(file, StandardCharsets.UTF_8);
            final int end = text.indexOf('\n');
            String line = end < 0 ? text : text.substring(0, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            return line.toCharArray();
        } catch (final NoSuchFileException e) {
            throw new ConfigException(key + ": password file " + file + " does not exist");
        } catch (final IOException e) {
            throw new ConfigException(key + ": cannot read password file " + file + " (" + e.getMessage() + ")");
        }
    }
}
