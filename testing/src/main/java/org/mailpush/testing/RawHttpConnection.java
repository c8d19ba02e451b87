package org.mailpush.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client that writes exactly the bytes a test gives it and reads HTTP/1.1 responses one by one, so tests can
 * replay what Dovecot sends (header order, {@code Expect: 100-continue}, pipelining) without a client library
 * smoothing it over.
 */
public final class RawHttpConnection implements AutoCloseable {

    /** One response as read off the wire; header names lower-cased. */
    public record Response(int status, String reason, Map<String, String> headers, String body) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttpConnection(final InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttpConnection send(final String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public RawHttpConnection send(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * A JSON POST with the headers Dovecot 2.3's HTTP client sends, in its order (captured from Debian's 2.3.19):
     * {@code Host}, {@code Date}, {@code Authorization} (from {@code extraHeaders}, as for a URL with userinfo),
     * {@code Expect: 100-continue} (the Lua client always; the xaps C plugin never), {@code Content-Length},
     * {@code Connection: Keep-Alive}, then the caller's {@code Content-Type}. With {@code expect} the body is left
     * out: send it after the {@code 100 Continue}.
     */
    public static String dovecotPost(final String path, final String host, final String json, final boolean expect,
                                     final String... extraHeaders) {
        final StringBuilder request = new StringBuilder();
        request.append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Date: Thu, 26 Nov 2026 10:00:00 GMT\r\n");
        for (final String header : extraHeaders) {
            request.append(header).append("\r\n");
        }
        if (expect) {
            request.append("Expect: 100-continue\r\n");
        }
        request.append("Content-Length: ").append(json.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                .append("Connection: Keep-Alive\r\n")
                .append("Content-Type: application/json; charset=utf-8\r\n")
                .append("\r\n");
        if (!expect) {
            request.append(json);
        }
        return request.toString();
    }

    public Response read() throws IOException {
        final String statusLine = line();
        final String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(); !header.isEmpty(); header = line()) {
            final int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        final int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        final byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
        }
        return new Response(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers,
                new String(body, StandardCharsets.UTF_8));
    }

    /** Whether the server closed the connection (reads until end of stream, at most the socket timeout). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (final java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            final int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed; read so far: " + bytes.toString(StandardCharsets.UTF_8));
            }
            if (previous == '\r' && b == '\n') {
                final byte[] line = bytes.toByteArray();
                return new String(line, 0, line.length - 1, StandardCharsets.UTF_8);
            }
            bytes.write(b);
            previous = b;
        }
    }

    public void setTimeoutMillis(final int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
