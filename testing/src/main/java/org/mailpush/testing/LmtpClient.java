package org.mailpush.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Delivers a message over LMTP (RFC 2033), the way an MTA hands mail to Cyrus. Enough for tests. */
public final class LmtpClient {

    private LmtpClient() {
    }

    public static void deliver(final int port, final String from, final String recipient, final String message)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            final BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            final OutputStream out = socket.getOutputStream();
            expect(in, "220");
            send(out, "LHLO localhost");
            expect(in, "250");
            send(out, "MAIL FROM:<" + from + ">");
            expect(in, "250");
            send(out, "RCPT TO:<" + recipient + ">");
            expect(in, "250");
            send(out, "DATA");
            expect(in, "354");
            final StringBuilder data = new StringBuilder();
            for (final String line : message.split("\r?\n", -1)) {
                data.append(line.startsWith(".") ? "." + line : line).append("\r\n");
            }
            out.write((data + ".\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            expect(in, "250");
            send(out, "QUIT");
        }
    }

    private static void send(final OutputStream out, final String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply (all its continuation lines) and checks its code. */
    private static void expect(final BufferedReader in, final String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("LMTP server closed the connection, expected " + code);
            }
            if (!line.startsWith(code)) {
                throw new IOException("LMTP server answered \"" + line + "\", expected " + code);
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
    }
}
