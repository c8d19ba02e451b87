package org.mailpush.notifyd.cyrus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The datagrams captured from a real Cyrus 3.6.1 (see fixtures/README.md). */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path directory() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/cyrus-3.6.1").toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Path> datagrams() {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".dgram")).sorted().toList();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] datagram(final String name) {
        try {
            return Files.readAllBytes(directory().resolve(name));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stream-mode notifications captured from the same Cyrus ({@code notifysocket: dlist:...}). */
    public static List<Path> dlists() {
        try (Stream<Path> files = Files.list(directory().resolve("dlist"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".dlist")).sorted().toList();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] dlist(final String name) {
        try {
            return Files.readAllBytes(directory().resolve("dlist").resolve(name));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The datagrams of one capture in a folder of its own ({@code dav}, {@code namespace}, {@code main}: see
     * fixtures/README.md), in arrival order.
     */
    public static List<Path> datagrams(final String folder) {
        try (Stream<Path> files = Files.list(directory().resolve(folder))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".dgram")).sorted().toList();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The datagram of {@code folder} whose name starts with {@code prefix} ({@code "21-"}). */
    public static byte[] datagram(final String folder, final String prefix) {
        final List<Path> matching = datagrams(folder).stream()
                .filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
        if (matching.size() != 1) {
            throw new IllegalArgumentException(matching.size() + " fixtures in " + folder + " start with " + prefix);
        }
        try {
            return Files.readAllBytes(matching.get(0));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
