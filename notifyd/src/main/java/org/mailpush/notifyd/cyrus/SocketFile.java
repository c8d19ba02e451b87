package org.mailpush.notifyd.cyrus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The file of a Unix socket mailpush listens on, in either mode: its folder must exist, a socket left by a crash is
 * replaced but one a live process listens on is refused, and once bound it gets the configured mode and group.
 */
final class SocketFile {

    private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);

    private SocketFile() {
    }

    static void requireFolder(final Path path) throws IOException {
        final Path parent = path.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IOException("cannot listen on " + path + ": folder " + parent + " does not exist");
        }
    }

    static GroupPrincipal lookupGroup(final Path path, final String group) throws IOException {
        if (group == null) {
            return null;
        }
        try {
            return path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (final IOException e) {
            throw new IOException("cannot listen on " + path + ": no group named \"" + group + "\"", e);
        }
    }

    /**
     * A socket file left by a crash is removed; one that a live process still reads (Cyrus's own notifyd, another
     * mailpush) is refused, because taking it over would silently steal that process's events.
     *
     * @param someoneListens connects to the path in the server's mode (datagram or stream) and says whether that worked
     */
    static void removeStale(final Path path, final Predicate<Path> someoneListens) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!"socket".equals(fileType(path))) {
            throw new IOException("cannot listen on " + path + ": it exists and is not a socket");
        }
        if (someoneListens.test(path)) {
            throw new IOException("cannot listen on " + path + ": another process is listening there"
                    + " (is Cyrus's own notifyd still configured in cyrus.conf?)");
        }
        Files.delete(path);
        LOG.info("Removed stale notify socket {}", path);
    }

    /**
     * The socket {@code bound} has just bound at {@code path}, given its mode and group; a socket that could not
     * bind, or whose file refuses them, is closed (its file removed) and named in the exception.
     */
    static Channel claim(final ChannelFuture bound, final Path path, final Set<PosixFilePermission> mode,
                         final GroupPrincipal group) throws IOException {
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + path + ": " + bound.cause().getMessage(), bound.cause());
        }
        try {
            applyModeAndGroup(path, mode, group);
        } catch (final IOException | RuntimeException e) {
            bound.channel().close().awaitUninterruptibly();
            Files.deleteIfExists(path);
            throw e;
        }
        return bound.channel();
    }

    private static void applyModeAndGroup(final Path path, final Set<PosixFilePermission> mode,
                                          final GroupPrincipal group) throws IOException {
        // Following links on purpose: the JDK changes a no-follow view through open()+fchmod(), which a socket
        // file refuses (ENXIO); the path is the socket just bound, not a link.
        final PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (group != null) {
            view.setGroup(group);
        }
        view.setPermissions(mode);
    }

    private static String fileType(final Path file) throws IOException {
        final int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return switch (mode & 0170000) {
            case 0140000 -> "socket";
            case 0040000 -> "directory";
            case 0100000 -> "file";
            default -> "special file";
        };
    }
}
