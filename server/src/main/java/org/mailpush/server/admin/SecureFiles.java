package org.mailpush.server.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * Writes secrets so that a reader never sees half a file and nobody else ever sees it at all: a temporary file in
 * the same folder, created owner-only, written and synced, then renamed over the target. A file that is replaced
 * keeps its owner, group and mode (the service may run as its own user); a new one gets the owner and group of its
 * folder and mode 0600.
 */
final class SecureFiles {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    static void write(final Path target, final byte[] content) throws IOException {
        final Path folder = target.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        final PosixFileAttributes like = Files.exists(target)
                ? Files.readAttributes(target, PosixFileAttributes.class)
                : Files.readAttributes(folder, PosixFileAttributes.class);
        final Set<PosixFilePermission> mode = Files.exists(target) ? like.permissions() : OWNER_ONLY;
        final Path temporary = Files.createTempFile(folder, "." + target.getFileName() + ".", ".new",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                out.write(content);
                out.flush();
                channel.force(true);
            }
            final PosixFileAttributeView view = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
            copyOwnership(view, like.owner(), like.group());
            Files.setPosixFilePermissions(temporary, mode);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Creates the folder owner-only when it does not exist (credentials are kept there). */
    static void createPrivateFolder(final Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            final Path parent = folder.toAbsolutePath().getParent();
            final PosixFileAttributes like = Files.readAttributes(parent, PosixFileAttributes.class);
            copyOwnership(Files.getFileAttributeView(folder, PosixFileAttributeView.class), like.owner(),
                    like.group());
        }
    }

    private static void copyOwnership(final PosixFileAttributeView view, final UserPrincipal owner,
                                      final GroupPrincipal group) throws IOException {
        try {
            view.setOwner(owner);
            view.setGroup(group);
        } catch (final java.nio.file.FileSystemException e) {
            // Not root: the file stays ours, which is the only owner we could give it anyway.
        }
    }
}
