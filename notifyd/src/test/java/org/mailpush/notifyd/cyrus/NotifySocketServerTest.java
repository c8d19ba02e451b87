package org.mailpush.notifyd.cyrus;

import org.mailpush.testing.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.DeviceRegistration;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.event.MailboxEvent;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The server on a real Unix datagram socket, fed the captured Cyrus datagrams and bad ones. */
class NotifySocketServerTest {

    @TempDir
    Path dir;

    private final List<IntakeEvent> events = new CopyOnWriteArrayList<>();
    private final IntakeCounters counters = new IntakeCounters();
    private NotifySocketServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private NotifySocketServer bind(final Path socket) throws IOException {
        server = NotifySocketServer.builder().path(socket).method("pusher")
                .mode(PosixFilePermissions.fromString("rw-rw----"))
                .listener(counters).sink(events::add).bind();
        return server;
    }

    @Test
    void receivesEveryCapturedDatagram() throws Exception {
        final Path socket = dir.resolve("notify");
        bind(socket);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");

        try (NotifyDatagramSender sender = new NotifyDatagramSender(socket)) {
            for (final Path file : Fixtures.datagrams()) {
                sender.send(Files.readAllBytes(file));
            }
        }
        // 2 registrations, 1 new message, read, trash, expunge; 3 creates and 4 modseqs ignored.
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 6
                && counters.ignored(EventType.MAILBOX_MODSEQ) == 4);
        assertThat(events).extracting(IntakeEvent::type).containsExactly(EventType.APPLE_PUSH_SERVICE,
                EventType.MESSAGE_NEW, EventType.APPLE_PUSH_SERVICE, EventType.MESSAGE_READ, EventType.MESSAGE_TRASH,
                EventType.MESSAGE_EXPUNGE);
        assertThat(events.get(0)).isInstanceOf(DeviceRegistration.class);
        assertThat(((MailboxEvent) events.get(1)).owner()).isEqualTo("test");
        assertThat(counters.ignored(EventType.MAILBOX_CREATE)).isEqualTo(3);
    }

    @Test
    void badInputIsCountedAndTheNextGoodEventStillGoesThrough() throws Exception {
        final Path socket = dir.resolve("notify");
        bind(socket);
        final byte[] good = Fixtures.datagram("06-MessageNew.dgram");
        final byte[] big = new byte[65_536];
        Arrays.fill(big, (byte) 'A');
        final byte[] tooBig = new byte[70_000];
        System.arraycopy(good, 0, tooBig, 0, good.length);

        try (NotifyDatagramSender sender = new NotifyDatagramSender(socket)) {
            sender.send(Arrays.copyOf(good, good.length - 30));                              // truncated
            sender.send("no separators at all".getBytes(StandardCharsets.UTF_8));           // no NULs
            sender.send(NotifyDatagramSender.eventDatagram("pusher", "{not json"));         // invalid JSON
            sender.send(NotifyDatagramSender.eventDatagram("pusher", "{\"event\":\"Nope\"}")); // unknown event
            sender.send(big);                                                              // 64 KiB, no NULs
            sender.send(tooBig);                                                           // over 64 KiB
            sender.send(NotifyDatagramSender.eventDatagram("mailto", "{\"event\":\"MessageNew\"}")); // wrong method
            sender.send(good);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
        assertThat(events.get(0).type()).isEqualTo(EventType.MESSAGE_NEW);
        assertThat(counters.badInput(BadInputKind.TRUNCATED)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.NO_NUL)).isEqualTo(2);
        assertThat(counters.badInput(BadInputKind.INVALID_JSON)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.UNKNOWN_EVENT)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.TOO_LARGE)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.WRONG_METHOD)).isEqualTo(1);
        assertThat(server.isOpen()).isTrue();
    }

    @Test
    void aOneMebibyteDatagramIsRefusedAndCountedWithSteadyMemory() throws Exception {
        final Path socket = dir.resolve("notify");
        bind(socket);
        final byte[] good = Fixtures.datagram("06-MessageNew.dgram");
        final byte[] huge = new byte[1024 * 1024];
        System.arraycopy(good, 0, huge, 0, good.length);
        final long heapBefore = Heap.usedAfterGc();
        try (NotifyDatagramSender sender = new NotifyDatagramSender(socket)) {
            for (int i = 0; i < 50; i++) {
                sender.send(huge);
            }
            sender.send(good);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(counters.badInput(BadInputKind.TOO_LARGE)).isEqualTo(50);
        assertThat(server.isOpen()).isTrue();
        // 50 MiB went by; the server reads into one bounded buffer and keeps none of it.
        assertThat(Heap.usedAfterGc() - heapBefore).as("heap growth").isLessThan(16L << 20);
    }

    @Test
    void replacesAStaleSocketButRefusesOneSomebodyListensOn() throws Exception {
        final Path socket = dir.resolve("notify");
        bind(socket).close();
        server = null;
        // A crashed process leaves a socket file nobody reads: taken over.
        final NotifySocketServer first = NotifySocketServer.builder().path(socket).sink(events::add).bind();
        // A live server is not: that would steal its events.
        try {
            assertThatThrownBy(() -> NotifySocketServer.builder().path(socket).sink(events::add).bind())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(socket.toString())
                    .hasMessageContaining("another process is listening");
        } finally {
            first.close();
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void refusesARegularFileAndAMissingFolder() throws Exception {
        final Path file = Files.writeString(dir.resolve("notify"), "not a socket");
        assertThatThrownBy(() -> NotifySocketServer.builder().path(file).sink(events::add).bind())
                .hasMessageContaining("is not a socket");
        assertThatThrownBy(() -> NotifySocketServer.builder().path(dir.resolve("missing/notify"))
                .sink(events::add).bind())
                .hasMessageContaining("does not exist");
        assertThat(file).hasContent("not a socket");
    }

    @Test
    void unknownGroupIsNamedInTheError() {
        assertThatThrownBy(() -> NotifySocketServer.builder().path(dir.resolve("notify")).group("no-such-group-x")
                .sink(events::add).bind())
                .hasMessageContaining("no-such-group-x");
    }
}
