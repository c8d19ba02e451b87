package org.mailpush.imap.proxy;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.JdkZlibEncoder;
import io.netty.handler.codec.compression.ZlibWrapper;

/**
 * COMPRESS=DEFLATE (RFC 4978) on the client's leg: raw DEFLATE both ways, under TLS (compressed, then encrypted),
 * above the frame decoder, so the proxy still reads the client's commands and the server's responses in the clear.
 * The upstream leg stays uncompressed. iOS Mail asks for it on cellular networks.
 *
 * <p>Netty's encoder deflates each write with a sync flush, so every response is decodable as soon as it arrives (RFC
 * 4978 §4). The decoder inflates at most {@value #MAX_INFLATED_PER_READ} bytes from one read: a few compressed bytes
 * that would inflate to more end the session instead of the memory.</p>
 */
final class ClientCompression {

    static final String CAPABILITY = "COMPRESS=DEFLATE";
    /** Faster than zlib's default 6 and nearly as good on IMAP text; the proxy compresses for every session. */
    static final int LEVEL = 3;
    static final int MAX_INFLATED_PER_READ = 4 * 1024 * 1024;

    private ClientCompression() {
    }

    /**
     * Puts compression in the client's pipeline, just before its frame decoder (after TLS, if any): what is written
     * from now on is deflated, what is read from now on is inflated.
     */
    static void start(final ChannelPipeline pipeline) {
        pipeline.addBefore("frames", "inflate", new JdkZlibDecoder(ZlibWrapper.NONE, MAX_INFLATED_PER_READ));
        pipeline.addBefore("frames", "deflate", new JdkZlibEncoder(ZlibWrapper.NONE, LEVEL));
    }

    /** Whether the client's connection is compressed. */
    static boolean active(final ChannelPipeline pipeline) {
        return pipeline.get("deflate") != null;
    }
}
