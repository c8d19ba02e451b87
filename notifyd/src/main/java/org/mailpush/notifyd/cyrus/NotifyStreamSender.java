package org.mailpush.notifyd.cyrus;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The sending side of the stream-mode notify socket, as Cyrus's {@code notify_dlist} does it: connect, write one
 * dlist notification, read the one-line answer, close. Used by the tests of this package.
 */
final class NotifyStreamSender {

    private NotifyStreamSender() {
    }

    /** The notification Cyrus writes for a mailstore event (the JSON as a non-synchronizing literal). */
    static byte[] eventNotification(final String method, final String json) {
        final byte[] message = json.getBytes(StandardCharsets.UTF_8);
        return ("NOTIFY %(METHOD " + method + " CLASS EVENT PRIORITY NIL USER NIL MAILBOX NIL OPTIONS () MESSAGE {"
                + message.length + "+}\r\n" + json + " FILEPATH NIL)\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends one notification and returns the answer line without its CRLF ({@code OK %()} when taken).
     *
     * @throws IOException when nobody listens, or the connection ends before an answer
     */
    static String send(final Path socket, final byte[] notification) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            final ByteBuffer out = ByteBuffer.wrap(notification);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            final ByteBuffer in = ByteBuffer.allocate(256);
            while (true) {
                if (channel.read(in) < 0) {
                    throw new IOException("the notify socket " + socket + " closed without an answer");
                }
                final String text = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                final int end = text.indexOf("\r\n");
                if (end >= 0) {
                    return text.substring(0, end);
                }
                if (!in.hasRemaining()) {
                    throw new IOException("answer longer than 256 bytes from " + socket);
                }
            }
        }
    }
}
