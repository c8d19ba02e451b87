package org.mailpush.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * A byte-level IMAP client for exact transcripts: writes what it is told, reads lines (and literals) back.
 */
public final class RawImapClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final Path trustedCa;

    public RawImapClient(final int port, final boolean tls, final Path trustedCa) throws Exception {
        this("127.0.0.1", port, tls, trustedCa);
    }

    /** From {@code localAddress} (another loopback address, e.g. 127.0.0.2, plays another client host). */
    public RawImapClient(final String localAddress, final int port, final boolean tls, final Path trustedCa)
            throws Exception {
        this.trustedCa = trustedCa;
        final Socket plain = new Socket();
        plain.bind(new java.net.InetSocketAddress(localAddress, 0));
        plain.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
        socket = tls ? wrap(plain) : plain;
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    private SSLSocket wrap(final Socket plain) throws Exception {
        final KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream ca = Files.newInputStream(trustedCa)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        final SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost",
                plain.getPort(), true);
        tls.startHandshake();
        return tls;
    }

    /** After a tagged OK to STARTTLS: continue over TLS. */
    public void startTls() throws Exception {
        socket = wrap(socket);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** After a tagged OK to COMPRESS DEFLATE: continue with raw DEFLATE both ways (RFC 4978), flushed per send. */
    public void startCompression() {
        out = new java.util.zip.DeflaterOutputStream(out, new java.util.zip.Deflater(
                java.util.zip.Deflater.DEFAULT_COMPRESSION, true), true);
        in = new java.util.zip.InflaterInputStream(in, new java.util.zip.Inflater(true), 1);
    }

    public void send(final String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    public void send(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One line with its CRLF, and the literal it announces, if any, appended whole. */
    public String line() throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        final String text = line.toString(StandardCharsets.UTF_8);
        final java.util.regex.Matcher literal = java.util.regex.Pattern.compile("\\{(\\d+)}\r\n$").matcher(text);
        if (literal.find()) {
            final byte[] data = in.readNBytes(Integer.parseInt(literal.group(1)));
            return text + new String(data, StandardCharsets.UTF_8) + line();
        }
        return text;
    }

    /** Lines up to and including the one tagged {@code tag}. */
    public List<String> until(final String tag) throws IOException {
        final List<String> lines = new ArrayList<>();
        String line;
        while ((line = line()) != null) {
            lines.add(line);
            if (line.startsWith(tag + " ")) {
                return lines;
            }
        }
        throw new IOException("connection closed before " + tag + " completed: " + lines);
    }

    /** Whether the server closed the connection (reading gives end of stream) within the socket timeout. */
    public boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (final SocketTimeoutException e) {
            return false;
        } catch (final IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
