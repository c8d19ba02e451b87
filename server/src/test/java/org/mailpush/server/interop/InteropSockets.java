package org.mailpush.server.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/** Where the interop tests put mailpush's notify socket so that a real Cyrus reaches it as on Debian. */
final class InteropSockets {

    private InteropSockets() {
    }

    /**
     * Creates {@code folder} owned by group {@code mail} with mode {@code 0750}, like Debian's {@code /run/cyrus}, and
     * makes its parent traversable: Cyrus (user cyrus, group mail) then reaches a socket in it only through the mode
     * and group mailpush gives the socket ({@code socket-group: mail}, {@code socket-mode: 0660}).
     */
    static Path mailGroupFolder(final Path folder) throws IOException {
        final Path created = Files.createDirectories(folder);
        Files.setPosixFilePermissions(created.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        final GroupPrincipal mail = created.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName("mail");
        Files.getFileAttributeView(created, PosixFileAttributeView.class).setGroup(mail);
        Files.setPosixFilePermissions(created, PosixFilePermissions.fromString("rwxr-x---"));
        return created;
    }
}
