package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Framing: lines, literal bytes only when told, holding and releasing, long lines, on an in-memory channel. */
class ImapFrameDecoderTest {

    private final ImapFrameDecoder decoder = new ImapFrameDecoder(1024, false);
    private final EmbeddedChannel channel = new EmbeddedChannel(decoder);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void write(final String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    private List<String> frames() {
        final List<String> frames = new ArrayList<>();
        for (ImapFrame frame; (frame = channel.readInbound()) != null; ) {
            frames.add((frame instanceof ImapFrame.Literal ? "L:" : "") + frame.content().toString(
                    StandardCharsets.UTF_8));
            frame.release();
        }
        return frames;
    }

    @Test
    void aLiteralAnnouncedIsNotReadAsOneUntilTold() {
        write("a APPEND x {5}\r\nhello\r\n");
        assertThat(frames()).containsExactly("a APPEND x {5}\r\n", "hello\r\n");
        write("b APPEND x {5}\r\n");
        final ImapFrame.Line line = channel.readInbound();
        assertThat(line.literalLength()).isEqualTo(5);
        assertThat(line.synchronizing()).isTrue();
        line.release();
        decoder.expectLiteral(5);
        write("hel");
        write("lo)\r\n");
        assertThat(frames()).containsExactly("L:hel", "L:lo", ")\r\n");
    }

    /** Marker sizes as servers read them: leading zeros are nothing, a bare LF ends the line like CRLF. */
    @Test
    void literalMarkersAreReadAsServersReadThem() {
        assertThat(marker("a APPEND x {0000000000000000000005+}\r\n")).isEqualTo("5 non-synchronizing");
        assertThat(marker("a APPEND x {5+}\n")).isEqualTo("5 non-synchronizing");
        assertThat(marker("a APPEND x {5}\n")).isEqualTo("5 synchronizing");
        assertThat(marker("a APPEND x {0}\r\n")).isEqualTo("0 synchronizing");
        assertThat(marker("a APPEND x {1000000000000000000}\r\n")).as("past 10^18: too big, not no literal")
                .isEqualTo(Long.MAX_VALUE + " synchronizing");
        assertThat(marker("a APPEND x {}\r\n")).isEqualTo("none");
        assertThat(marker("a APPEND x {5}x\r\n")).isEqualTo("none");
        assertThat(marker("a APPEND x 5}\r\n")).isEqualTo("none");
    }

    private String marker(final String line) {
        write(line);
        final ImapFrame.Line frame = channel.readInbound();
        try {
            return frame.literalLength() < 0 ? "none" : frame.literalLength() + " "
                    + (frame.synchronizing() ? "synchronizing" : "non-synchronizing");
        } finally {
            frame.release();
        }
    }

    @Test
    void heldBytesWaitInTheDecoderAndComeOutOnRelease() {
        decoder.hold();
        write("a NOOP\r\nb NOOP\r\n");
        assertThat(frames()).isEmpty();
        assertThat(decoder.hasBufferedBytes()).isTrue();
        decoder.release();
        assertThat(frames()).containsExactly("a NOOP\r\n", "b NOOP\r\n");
        assertThat(decoder.hasBufferedBytes()).isFalse();
    }

    @Test
    void oneFramePerStepSoTheOwnerCanChangeModeBetweenFrames() {
        channel.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(final io.netty.channel.ChannelHandlerContext ctx, final Object message) {
                if (message instanceof ImapFrame.Line line && line.literalLength() > 0) {
                    decoder.expectLiteral(line.literalLength());
                }
                ctx.fireChannelRead(message);
            }
        });
        write("a X {3+}\r\nabc\r\nb NOOP\r\n");
        assertThat(frames()).containsExactly("a X {3+}\r\n", "L:abc", "\r\n", "b NOOP\r\n");
    }

    @Test
    void aClientLineOverTheLimitIsRefusedAndAServerLineIsPassedInParts() {
        assertThatThrownBy(() -> write("x".repeat(2000))).isInstanceOf(TooLongFrameException.class);
        final ImapFrameDecoder server = new ImapFrameDecoder(1024, true);
        final EmbeddedChannel upstream = new EmbeddedChannel(server);
        // It arrives in two reads: the first, without its end, is already over the limit.
        upstream.writeInbound(Unpooled.copiedBuffer("* SEARCH " + "1 ".repeat(1000), StandardCharsets.UTF_8));
        upstream.writeInbound(Unpooled.copiedBuffer("2 {4}\r\n", StandardCharsets.UTF_8));
        final ImapFrame.Line first = upstream.readInbound();
        assertThat(first.startsLine()).isTrue();
        assertThat(first.endsLine()).isFalse();
        final ImapFrame.Line last = upstream.readInbound();
        assertThat(last.startsLine()).isFalse();
        assertThat(last.endsLine()).isTrue();
        assertThat(last.literalLength()).as("the marker is kept whole in the last part").isEqualTo(4);
        first.release();
        last.release();
        upstream.finishAndReleaseAll();
    }
}
