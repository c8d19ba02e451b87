package org.mailpush.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** File system help for servers that run as their own users. */
public final class Folders {

    private Folders() {
    }

    /**
     * Lets other users pass through {@code folder} and every folder above it (a test's temporary folder is
     * {@code 0700}): the mail servers' own users must reach their configuration and data below it.
     */
    public static void makeTraversable(final Path folder) throws IOException {
        for (Path current = folder.toAbsolutePath(); current != null; current = current.getParent()) {
            final Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(current));
            if (permissions.add(PosixFilePermission.OTHERS_EXECUTE)
                    | permissions.add(PosixFilePermission.GROUP_EXECUTE)) {
                Files.setPosixFilePermissions(current, permissions);
            }
        }
    }
}
