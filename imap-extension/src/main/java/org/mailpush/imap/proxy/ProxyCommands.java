package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The commands the proxy itself sends the server inside a client's session ({@code CAPABILITY}, {@code NAMESPACE},
 * {@code MYRIGHTS}, {@code STATUS} for a registration) and the responses that answer them, which the client never
 * sees. One at a time, and only while no command of the client's is outstanding, so an untagged response the handler
 * claims can only be its answer. The tags are {@code <prefix>N} with a prefix no client can guess (random per
 * session): a client that hides a command from the proxy inside what the server reads differently (a server that
 * skips the rest of a line, literal and all) still cannot make the server answer one of the proxy's tags.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ProxyCommands {

    /** Bound on the bytes of one claimed untagged response (with its literals) kept for the handler. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /** What the proxy does with the answers to one of its commands. */
    interface Handler {

        /**
         * Whether this untagged response answers the command (it is then kept for {@link #untagged} and not
         * relayed); anything else the server says meanwhile (EXISTS, EXPUNGE, a NOTIFY update) still reaches
         * the client.
         *
         * @param firstLine the response's first line (or first part of it)
         */
        boolean claims(ServerResponseTracker.Response response, String firstLine);

        /** A claimed response, whole with its literals inline; {@code null} when it was over the bound. */
        void untagged(byte[] response);

        /**
         * The server's tagged answer.
         *
         * @param capabilities what it stated in a {@code [CAPABILITY ...]} code, upper-cased; empty for none
         */
        void tagged(ServerResponseTracker.Response response, String line, List<String> capabilities);
    }

    private final String prefix;
    private int sent;

    /** @param prefix what each tag starts with, before a counter; see {@link #unpredictablePrefix()} */
    ProxyCommands(final String prefix) {
        this.prefix = prefix;
    }

    /** {@code mailpush} and 64 random bits in base 36: the tag prefix of one session. */
    static String unpredictablePrefix() {
        return "mailpush" + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".";
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private String activeTag;
    private Handler active;

    /** Sends {@code command} (without tag or CRLF) on the upstream channel, flushed. */
    String send(final Channel upstream, final String command, final Handler handler) {
        if (active != null) {
            throw new IllegalStateException("the proxy's command " + activeTag + " is still outstanding");
        }
        activeTag = prefix + ++sent;
        active = handler;
        upstream.writeAndFlush(Unpooled.copiedBuffer(activeTag + " " + command + "\r\n", StandardCharsets.UTF_8));
        return activeTag;
    }

    /** Whether one of the proxy's commands is outstanding. */
    boolean busy() {
        return active != null;
    }

    /** Whether this tag is the proxy's outstanding command's. */
    boolean owns(final String tag) {
        return active != null && activeTag.equals(tag);
    }

    /** The handler of the outstanding command, {@code null} when none. */
    Handler active() {
        return active;
    }

    /** The tagged answer came: the command is over. Returns its handler. */
    Handler finish() {
        final Handler handler = active;
        active = null;
        activeTag = null;
        return handler;
    }
}
