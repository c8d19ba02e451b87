package org.mailpush.notifyd.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurableQueueTest {

    @TempDir
    Path dir;

    private static byte[] bytes(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> texts(final List<DurableQueue.Entry> entries) {
        return entries.stream().map(e -> new String(e.bytes(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void recordsNotDoneAreReplayedAfterAReopenAndDoneOnesAreNot() throws Exception {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(queue.recovered()).isEmpty();
            final long one = queue.append(bytes("one"));
            final long two = queue.append(bytes("two"));
            final long three = queue.append(bytes("three"));
            assertThat(List.of(one, two, three)).containsExactly(1L, 2L, 3L);
            queue.done(three);           // out of order: the commit point cannot pass "one" yet
            queue.done(one);
            assertThat(queue.pending()).isEqualTo(1);
            queue.persist();
        }
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(queue.recovered())).containsExactly("two", "three");
            assertThat(queue.recovered().get(0).sequence()).isEqualTo(2);
            queue.done(2);
            queue.done(3);
            assertThat(queue.append(bytes("four"))).isEqualTo(4);
        }
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(queue.recovered())).as("done at close is persisted").containsExactly("four");
        }
    }

    @Test
    void aCrashWithoutPersistReplaysWhatWasDoneSinceTheLastPersist() throws Exception {
        final DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20);
        queue.append(bytes("a"));
        queue.append(bytes("b"));
        queue.done(1);
        queue.persist();
        queue.done(2);
        // No close: as if the process were killed here.
        try (DurableQueue after = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(after.recovered())).containsExactly("b");
        }
    }

    @Test
    void aTornRecordAtTheEndIsCutOffAndAppendsGoOn() throws Exception {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            queue.append(bytes("whole"));
        }
        final Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("q"))) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().findFirst()
                    .orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            // A header announcing 100 bytes, then only 3 of them: the process died in the middle of the write.
            channel.write(ByteBuffer.allocate(11).putInt(100).putInt(0).put(bytes("par")).flip());
        }
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(queue.recovered())).containsExactly("whole");
            assertThat(queue.append(bytes("next"))).isEqualTo(2);
        }
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(queue.recovered())).containsExactly("whole", "next");
        }
    }

    @Test
    void aFlippedBitIsDetectedByTheChecksum() throws Exception {
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            queue.append(bytes("first"));
            queue.append(bytes("second"));
        }
        final Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("q"))) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("segment-")).sorted().findFirst()
                    .orElseThrow();
        }
        final byte[] content = Files.readAllBytes(segment);
        content[content.length - 2] ^= 0x01;           // inside "second"
        Files.write(segment, content);
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), 64L << 20)) {
            assertThat(texts(queue.recovered())).containsExactly("first");
        }
    }

    @Test
    void theQueueIsBoundedAndDoneSegmentsAreDeleted() throws Exception {
        final byte[] big = new byte[512 * 1024];
        try (DurableQueue queue = DurableQueue.open(dir.resolve("q"), DurableQueue.SEGMENT_BYTES * 2)) {
            long last = 0;
            int written = 0;
            while (true) {
                try {
                    last = queue.append(big);
                    written++;
                } catch (final QueueFullException e) {
                    assertThat(e.getMessage()).contains("its limit");
                    break;
                }
            }
            assertThat(written).isBetween(14, 16);
            assertThat(queue.bytes()).isLessThanOrEqualTo(DurableQueue.SEGMENT_BYTES * 2);
            for (long n = 1; n <= last; n++) {
                queue.done(n);
            }
            queue.persist();
            assertThat(queue.bytes()).as("full segments of done records are gone").isLessThan(
                    DurableQueue.SEGMENT_BYTES);
            queue.append(big);
        }
        assertThatThrownBy(() -> DurableQueue.open(dir.resolve("q"), 1024))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
