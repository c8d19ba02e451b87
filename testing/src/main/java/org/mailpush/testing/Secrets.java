package org.mailpush.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes a secret file as mailpush requires one: readable by its owner only. */
public final class Secrets {

    private Secrets() {
    }

    public static Path write(final Path file, final String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
