package org.mailpush.notifyd.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * A queue of records on disk that survives a crash: a record is acknowledged to its sender only after
 * {@link #append} returned, and by then it is written and synced; it is replayed after a restart until
 * {@link #done} was called for it and that was persisted. Delivery is at least once: a crash can replay records
 * that were done in the last moments (for a push that means one push more, never one less).
 *
 * <p>On disk: segment files {@code segment-<first sequence number>.log} of records {@code [length][CRC32C][bytes]},
 * a new segment beyond {@link #SEGMENT_BYTES}; {@code committed} holds the highest sequence number below which all
 * records are done. A torn record at the end of the last segment (a crash in the middle of a write) is cut off at
 * recovery: it was never acknowledged. Segments whose records are all done are deleted. The whole queue is
 * bounded by {@code maxBytes}: beyond it {@link #append} refuses.</p>
 *
 * <p>Thread-safe: appends from one thread or several, {@link #done} from any thread. Appending does I/O and
 * {@code fsync}: never call it on an event loop.</p>
 */
public final class DurableQueue implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DurableQueue.class);

    /** Size at which a new segment is started. */
    static final long SEGMENT_BYTES = 4L * 1024 * 1024;
    /** Largest record accepted. */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;
    private static final int HEADER = 8;

    /** A record waiting to be done, as found at {@link #open}. */
    public record Entry(long sequence, byte[] bytes) {
    }

    private final Path directory;
    private final long maxBytes;
    /** First sequence number of each segment, and the segment's size. */
    private final TreeMap<Long, Long> segments = new TreeMap<>();
    private final TreeSet<Long> doneAhead = new TreeSet<>();
    private final List<Entry> recovered;
    private FileChannel active;
    private long activeFirst;
    private long nextSequence;
    private long committed;
    private long persistedCommit;
    private long totalBytes;
    private boolean closed;

    private DurableQueue(final Path directory, final long maxBytes, final List<Entry> recovered) {
        this.directory = directory;
        this.maxBytes = maxBytes;
        this.recovered = recovered;
    }

    /**
     * Opens (creating, owner-only, when missing) the queue in {@code directory} and recovers it.
     *
     * @param maxBytes the most bytes the queue's segments may take on disk
     */
    public static DurableQueue open(final Path directory, final long maxBytes) throws IOException {
        if (maxBytes < SEGMENT_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + SEGMENT_BYTES + ", not " + maxBytes);
        }
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        final DurableQueue queue = new DurableQueue(directory, maxBytes, new ArrayList<>());
        queue.recover();
        return queue;
    }

    private void recover() throws IOException {
        committed = readCommitted();
        persistedCommit = committed;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "segment-*.log")) {
            for (final Path file : files) {
                final String name = file.getFileName().toString();
                segments.put(Long.parseLong(name.substring(8, name.length() - 4)), 0L);
            }
        }
        long sequence = committed + 1;
        for (final var segment : List.copyOf(segments.keySet())) {
            final Path file = segmentFile(segment);
            if (sequence < segment) {
                sequence = segment;
            }
            long position = 0;
            long number = segment;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                while (true) {
                    final byte[] record = readRecord(channel, position);
                    if (record == null) {
                        if (position < channel.size()) {
                            LOG.warn("Durable queue {}: cut a torn record at the end of {} ({} bytes): it was"
                                    + " never acknowledged", directory, file.getFileName(), channel.size() - position);
                            channel.truncate(position);
                            channel.force(true);
                        }
                        break;
                    }
                    if (number > committed) {
                        recovered.add(new Entry(number, record));
                    }
                    number++;
                    position += HEADER + record.length;
                }
            }
            segments.put(segment, position);
            totalBytes += position;
            sequence = number;
        }
        nextSequence = Math.max(sequence, committed + 1);
        deleteDoneSegments();
        startSegment(nextSequence);
        if (!recovered.isEmpty()) {
            LOG.info("Durable queue {}: {} record(s) not done before the last stop, to be replayed", directory,
                    recovered.size());
        }
    }

    private static byte[] readRecord(final FileChannel channel, final long position) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(HEADER);
        if (!readFully(channel, header, position)) {
            return null;
        }
        header.flip();
        final int length = header.getInt();
        final int crc = header.getInt();
        if (length < 0 || length > MAX_RECORD_BYTES) {
            return null;
        }
        final ByteBuffer body = ByteBuffer.allocate(length);
        if (!readFully(channel, body, position + HEADER)) {
            return null;
        }
        final CRC32C check = new CRC32C();
        check.update(body.array(), 0, length);
        if ((int) check.getValue() != crc) {
            return null;
        }
        return body.array();
    }

    private static boolean readFully(final FileChannel channel, final ByteBuffer buffer, final long position)
            throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            final int read = channel.read(buffer, at);
            if (read < 0) {
                return false;
            }
            at += read;
        }
        return true;
    }

    /** The records not done before the last stop, oldest first; replay them, then call {@link #done} for each. */
    public synchronized List<Entry> recovered() {
        return List.copyOf(recovered);
    }

    /**
     * Writes one record and syncs it to disk.
     *
     * @return its sequence number
     * @throws QueueFullException when the queue holds {@code maxBytes} already
     * @throws IOException        when it could not be written (then it is not in the queue)
     */
    public synchronized long append(final byte[] record) throws IOException, QueueFullException {
        if (closed) {
            throw new IOException("the durable queue " + directory + " is closed");
        }
        if (record.length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("record of " + record.length + " bytes, more than " + MAX_RECORD_BYTES);
        }
        if (totalBytes + HEADER + record.length > maxBytes) {
            throw new QueueFullException("the durable queue " + directory + " holds " + totalBytes
                    + " bytes, its limit; records are refused until pending ones are done");
        }
        if (segments.get(activeFirst) >= SEGMENT_BYTES) {
            startSegment(nextSequence);
        }
        final CRC32C crc = new CRC32C();
        crc.update(record);
        final ByteBuffer buffer = ByteBuffer.allocate(HEADER + record.length);
        buffer.putInt(record.length).putInt((int) crc.getValue()).put(record).flip();
        final long position = segments.get(activeFirst);
        try {
            while (buffer.hasRemaining()) {
                active.write(buffer, position + buffer.position());
            }
            active.force(false);
        } catch (final IOException e) {
            // Leave no half record behind: the next append starts where this one did.
            active.truncate(position);
            throw e;
        }
        segments.put(activeFirst, position + HEADER + record.length);
        totalBytes += HEADER + record.length;
        return nextSequence++;
    }

    /** Marks a record done: it will not be replayed once the commit point passes it (see {@link #persist}). */
    public synchronized void done(final long sequence) {
        if (sequence <= committed) {
            return;
        }
        doneAhead.add(sequence);
        while (!doneAhead.isEmpty() && doneAhead.first() == committed + 1) {
            committed = doneAhead.pollFirst();
        }
    }

    /** Records appended and not yet done. */
    public synchronized long pending() {
        return nextSequence - 1 - committed - doneAhead.size();
    }

    /** Bytes the segments take on disk. */
    public synchronized long bytes() {
        return totalBytes;
    }

    /**
     * Writes the commit point (atomically, synced) when it moved, and deletes segments that hold only done records.
     * Called every few hundred milliseconds by the owner and at close: a crash replays at most what was done since.
     */
    public synchronized void persist() throws IOException {
        if (committed == persistedCommit) {
            return;
        }
        final Path temporary = directory.resolve("committed.new");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap((committed + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        }
        try {
            Files.move(temporary, directory.resolve("committed"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException e) {
            Files.move(temporary, directory.resolve("committed"), StandardCopyOption.REPLACE_EXISTING);
        }
        persistedCommit = committed;
        deleteDoneSegments();
    }

    private void deleteDoneSegments() throws IOException {
        while (segments.size() > 1) {
            final long first = segments.firstKey();
            final long nextFirst = segments.higherKey(first);
            if (nextFirst - 1 > persistedCommit || first == activeFirst) {
                return;
            }
            final long size = segments.remove(first);
            totalBytes -= size;
            Files.deleteIfExists(segmentFile(first));
        }
    }

    private void startSegment(final long first) throws IOException {
        if (active != null) {
            active.close();
        }
        if (segments.containsKey(first)) {
            // Recovery ended in this segment: go on appending to it.
            active = FileChannel.open(segmentFile(first), StandardOpenOption.WRITE);
        } else {
            active = FileChannel.open(segmentFile(first), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            segments.put(first, 0L);
            syncDirectory();
        }
        activeFirst = first;
    }

    private long readCommitted() throws IOException {
        final Path file = directory.resolve("committed");
        if (!Files.exists(file)) {
            return 0;
        }
        final String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            return Long.parseLong(text);
        } catch (final NumberFormatException e) {
            throw new IOException("durable queue " + directory + ": the commit file holds \"" + text
                    + "\", not a number", e);
        }
    }

    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (final IOException e) {
            // Some file systems cannot sync a directory; the segment's own sync still holds its data.
        }
    }

    private Path segmentFile(final long first) {
        return directory.resolve(String.format("segment-%020d.log", first));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            persist();
            active.close();
        } catch (final IOException e) {
            LOG.warn("Durable queue {}: could not persist its commit point at close ({}); records done since"
                    + " the last persist will be replayed", directory, e.getMessage());
        }
    }
}
