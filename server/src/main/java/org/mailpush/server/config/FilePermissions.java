package org.mailpush.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Refuses secrets that others can read. The APNs key pushes to every phone of the site, the IMAP proxy's TLS key
 * impersonates the mail server, and passwords open them; a file with one of them must be readable by its owner only
 * (mode 0600 or 0400), whoever that owner is.
 */
public final class FilePermissions {

    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private FilePermissions() {
    }

    /**
     * @param key  the configuration key that named the file, for the message
     * @param what what the file holds, e.g. "the APNs private key"
     */
    public static void requireOwnerOnly(final String key, final Path file, final String what) throws ConfigException {
        final Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (final NoSuchFileException e) {
            return; // the reader reports a missing file with its own message
        } catch (final UnsupportedOperationException | IOException e) {
            return; // not a POSIX file system: nothing to check
        }
        final Set<PosixFilePermission> extra = EnumSet.copyOf(permissions);
        extra.retainAll(OTHERS);
        if (!extra.isEmpty()) {
            throw new ConfigException(key + ": " + file + " holds " + what + " but others can read or change it"
                    + " (mode " + PosixFilePermissions.toString(permissions) + "): chmod 600 it, owned by the user"
                    + " mailpush runs as");
        }
    }
}
