package org.mailpush.notifyd.cyrus;

import org.junit.jupiter.api.Test;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NotifyDatagramParserTest {

    private final NotifyDatagramParser parser = new NotifyDatagramParser(NotifyDatagramParser.DEFAULT_MAX_BYTES);

    @Test
    void parsesEveryCapturedDatagram() throws Exception {
        assertThat(Fixtures.datagrams()).hasSize(13);
        for (final Path file : Fixtures.datagrams()) {
            final NotifyDatagram datagram = parser.parse(Files.readAllBytes(file));
            assertThat(datagram.method()).as(file.toString()).isEqualTo("pusher");
            assertThat(datagram.notifyClass()).isEqualTo("EVENT");
            assertThat(datagram.priority()).isEmpty();
            assertThat(datagram.user()).isEmpty();
            assertThat(datagram.mailbox()).isEmpty();
            assertThat(datagram.options()).isEmpty();
            assertThat(datagram.message()).startsWith("{\"event\":\"").endsWith("}");
            assertThat(datagram.fileName()).isNull();
        }
    }

    @Test
    void readsOptionsAndTheOptionalFileName() throws Exception {
        final NotifyDatagram datagram = parser.parse(bytes(
                "mailto\0MAIL\0normal\0bob\0INBOX\0002\0a\0b\0hello\0/tmp/f\0"));
        assertThat(datagram.options()).containsExactly("a", "b");
        assertThat(datagram.message()).isEqualTo("hello");
        assertThat(datagram.fileName()).isEqualTo("/tmp/f");
    }

    @Test
    void refusesTruncatedDatagrams() {
        final byte[] good = Fixtures.datagram("06-MessageNew.dgram");
        assertKind(Arrays.copyOf(good, good.length - 1), BadInputKind.TRUNCATED);
        assertKind(Arrays.copyOf(good, 20), BadInputKind.TRUNCATED);
        assertKind(bytes("pusher\0EVENT\0\0\0\0"), BadInputKind.TRUNCATED);
        assertKind(new byte[0], BadInputKind.TRUNCATED);
        assertKind(bytes("pusher\0EVENT\0\0\0\0003\0a\0{}\0"), BadInputKind.TRUNCATED);
    }

    @Test
    void refusesDatagramsWithoutNuls() {
        assertKind(bytes("{\"event\":\"MessageNew\"}"), BadInputKind.NO_NUL);
    }

    @Test
    void refusesBadOptionCounts() {
        assertKind(bytes("pusher\0EVENT\0\0\0\0x\0{}\0"), BadInputKind.BAD_OPTION_COUNT);
        assertKind(bytes("pusher\0EVENT\0\0\0\0-1\0{}\0"), BadInputKind.BAD_OPTION_COUNT);
        assertKind(bytes("pusher\0EVENT\0\0\0\0000\0{}\0f\0extra\0"), BadInputKind.BAD_OPTION_COUNT);
    }

    @Test
    void refusesNonUtf8() {
        final byte[] bad = bytes("pusher\0EVENT\0\0\0\0000\0{}\0");
        bad[2] = (byte) 0xff;
        assertKind(bad, BadInputKind.NOT_UTF8);
    }

    @Test
    void refusesDatagramsOverTheLimit() {
        final byte[] big = new byte[NotifyDatagramParser.DEFAULT_MAX_BYTES + 1];
        assertKind(big, BadInputKind.TOO_LARGE);
    }

    private void assertKind(final byte[] datagram, final BadInputKind kind) {
        assertThatThrownBy(() -> parser.parse(datagram))
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(((BadInputException) e).kind()).isEqualTo(kind))
                .hasMessageNotContaining("Exception");
    }

    private static byte[] bytes(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
