package org.mailpush.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the datagrams a real-Cyrus IT received into a fixtures folder, when the run asks for it with
 * {@code -Dmailpush.fixtures.capture=<folder>}: {@code NN-<step>-<Event>.dgram}, numbered in arrival order across
 * steps, bytes exactly as received (the format of notifyd's {@code fixtures/cyrus-3.6.1}). Without the property it
 * writes nothing. Not thread-safe: one per test.
 */
final class FixtureRecorder {

    private final Path folder;
    private int count;

    private FixtureRecorder(final Path folder) {
        this.folder = folder;
    }

    /** Records into {@code <capture folder>/<name>} when capturing, else nowhere. */
    static FixtureRecorder forRun(final String name) throws IOException {
        final String capture = System.getProperty("mailpush.fixtures.capture");
        if (capture == null || capture.isBlank()) {
            return new FixtureRecorder(null);
        }
        return new FixtureRecorder(Files.createDirectories(Path.of(capture).resolve(name)));
    }

    /** Keeps the datagrams of one step (as {@link NotifyDatagramCapture#untilMark} cut them). */
    List<byte[]> record(final String step, final List<byte[]> datagrams) throws IOException {
        if (folder != null) {
            for (final byte[] datagram : datagrams) {
                count++;
                Files.write(folder.resolve(String.format("%02d-%s-%s.dgram", count, step,
                        NotifyDatagramCapture.eventName(datagram))), datagram);
            }
        }
        return datagrams;
    }
}
