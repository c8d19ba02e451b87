package org.mailpush.imap.proxy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a phone (or anyone reaching the IMAP port) can send the proxy, fed by Jazzer to the framing decoder
 * ({@link ImapFrameDecoder}): in any read chunking it either passes every byte on unchanged and in order (entering
 * literal mode where told) or refuses a line over the limit (client side). Seeds in
 * {@code ImapFrameDecoderFuzzTestInputs/<method>/}; {@code fuzz/run} fuzzes the target.
 */
class ImapFrameDecoderFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void proxyFraming(final FuzzedDataProvider data) {
        final boolean serverSide = data.consumeBoolean();
        final byte[] input = data.consumeRemainingAsBytes();
        final ImapFrameDecoder decoder = new ImapFrameDecoder(256, serverSide);
        final EmbeddedChannel channel = new EmbeddedChannel(decoder);
        final ByteArrayOutputStream relayed = new ByteArrayOutputStream();
        int offset = 0;
        int chunk = 1;
        try {
            while (offset < input.length) {
                final int length = Math.min(chunk, input.length - offset);
                channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, offset, offset + length)));
                offset += length;
                chunk = chunk * 3 % 97 + 1;
                for (Object frame; (frame = channel.readInbound()) != null; ) {
                    // As the trackers do when a line is one that may announce a literal (here: every line).
                    if (frame instanceof ImapFrame.Line line && line.endsLine() && line.announcesLiteral()) {
                        decoder.expectLiteral(line.literalLength());
                    }
                    final ByteBuf content = ((ImapFrame) frame).content();
                    final byte[] bytes = new byte[content.readableBytes()];
                    content.readBytes(bytes);
                    relayed.writeBytes(bytes);
                    ((ImapFrame) frame).release();
                }
            }
            // The connection ends: what is left undecoded is decoded (and may be refused) now.
            channel.finishAndReleaseAll();
        } catch (final DecoderException e) {
            assertRefusal(e, serverSide);
            try {
                channel.finishAndReleaseAll();
            } catch (final DecoderException later) {
                // What was left after the refusal may be refused too; the connection closes either way.
                assertRefusal(later, serverSide);
            }
            return;
        }
        final byte[] out = relayed.toByteArray();
        assertThat(out.length).isLessThanOrEqualTo(input.length);
        assertThat(Arrays.copyOf(input, out.length)).as("relayed bytes are the input, in order").isEqualTo(out);
    }

    /** A line over the limit: client side only, the server side streams long lines on. */
    private static void assertRefusal(final DecoderException e, final boolean serverSide) {
        final Throwable cause = e instanceof TooLongFrameException ? e : e.getCause();
        assertThat(cause).isInstanceOf(TooLongFrameException.class);
        assertThat(serverSide).as("a server line is never refused").isFalse();
    }
}
