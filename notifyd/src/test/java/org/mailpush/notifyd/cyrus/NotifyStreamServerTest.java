package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.notifyd.event.EventType;
import org.mailpush.notifyd.event.IntakeEvent;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class NotifyStreamServerTest {

    @TempDir
    Path dir;

    private final IntakeCounters counters = new IntakeCounters();
    private final List<IntakeEvent> events = new CopyOnWriteArrayList<>();
    private final List<Runnable> dones = new CopyOnWriteArrayList<>();
    private NotifyStreamServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private NotifyStreamServer bind() throws Exception {
        server = NotifyStreamServer.builder().path(dir.resolve("notify")).queue(dir.resolve("queue"), 64L << 20)
                .method("pusher").mode(PosixFilePermissions.fromString("rw-rw----")).listener(counters)
                .sink((event, done) -> {
                    events.add(event);
                    dones.add(done);
                }).bind();
        return server;
    }

    @Test
    void everyCapturedNotificationIsAnsweredOkAndItsEventsGoOn() throws Exception {
        bind();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("notify"))))
                .isEqualTo("rw-rw----");
        for (final Path file : Fixtures.dlists()) {
            assertThat(NotifyStreamSender.send(dir.resolve("notify"), Files.readAllBytes(file))).as(file.toString())
                    .isEqualTo("OK %()");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        assertThat(events).extracting(IntakeEvent::type)
                .containsExactly(EventType.APPLE_PUSH_SERVICE, EventType.MESSAGE_NEW);
        assertThat(counters.ignored(EventType.MAILBOX_CREATE)).isEqualTo(4);
        assertThat(server.pending()).isEqualTo(2);
        dones.forEach(Runnable::run);
        assertThat(server.pending()).isZero();
    }

    @Test
    void malformedOrOversizedNotificationsAreAnsweredNoAndCounted() throws Exception {
        bind();
        final Path socket = dir.resolve("notify");
        assertThat(NotifyStreamSender.send(socket, "NOTIFY %(METHOD pusher)\r\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("NO %()");
        assertThat(NotifyStreamSender.send(socket, NotifyStreamSender.eventNotification("mailto",
                "{\"event\":\"MessageNew\"}"))).isEqualTo("NO %()");
        final String huge = "{\"event\":\"MessageNew\",\"x\":\"" + "a".repeat(70_000) + "\"}";
        assertThat(NotifyStreamSender.send(socket, NotifyStreamSender.eventNotification("pusher", huge)))
                .isEqualTo("NO %()");
        assertThat(counters.badInput(BadInputKind.MISSING_FIELD)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.WRONG_METHOD)).isEqualTo(1);
        assertThat(counters.badInput(BadInputKind.TOO_LARGE)).isEqualTo(1);
        assertThat(NotifyStreamSender.send(socket, Fixtures.dlist("07-MessageNew.dlist"))).isEqualTo("OK %()");
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
    }

    @Test
    void acknowledgedEventsNotYetDoneAreReplayedAfterARestartAndDoneOnesAreNot() throws Exception {
        bind();
        final Path socket = dir.resolve("notify");
        assertThat(NotifyStreamSender.send(socket, Fixtures.dlist("05-ApplePushService.dlist"))).isEqualTo("OK %()");
        assertThat(NotifyStreamSender.send(socket, Fixtures.dlist("07-MessageNew.dlist"))).isEqualTo("OK %()");
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
        dones.get(0).run();                       // the registration was stored; the mail was not pushed yet
        server.close();
        server = null;
        events.clear();
        dones.clear();

        bind();
        assertThat(events).extracting(IntakeEvent::type).containsExactly(EventType.MESSAGE_NEW);
        dones.forEach(Runnable::run);
        server.close();
        server = null;
        events.clear();

        bind();
        assertThat(events).isEmpty();
    }
}
