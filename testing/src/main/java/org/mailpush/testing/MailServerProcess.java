package org.mailpush.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What {@link CyrusServer} and {@link DovecotServer} do alike with the mail server process they run. */
final class MailServerProcess {

    /** Says what the process logged so far, for a failure's message. */
    @FunctionalInterface
    interface Logs {
        String read() throws IOException;
    }

    private MailServerProcess() {
    }

    /**
     * Waits until the IMAP port greets with {@code * OK}; fails with the process's log if it exits first, or when
     * {@code timeout} passes.
     */
    static void awaitGreeting(final String name, final Process process, final int imapPort, final Duration timeout,
                              final Logs logs) throws IOException, InterruptedException {
        awaitAnswer(name, process, imapPort, timeout, logs, "greet", socket -> {
            final byte[] greeting = new byte[4];
            return socket.getInputStream().readNBytes(greeting, 0, 4) == 4
                    && new String(greeting, StandardCharsets.US_ASCII).equals("* OK");
        });
    }

    /**
     * Waits until {@code port} answers an HTTP request with an HTTP status line (any status: the server is up);
     * fails with the process's log if it exits first, or when {@code timeout} passes.
     */
    static void awaitHttp(final String name, final Process process, final int port, final Duration timeout,
                          final Logs logs) throws IOException, InterruptedException {
        awaitAnswer(name, process, port, timeout, logs, "answer HTTP", socket -> {
            socket.getOutputStream().write("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            final byte[] status = new byte[5];
            return socket.getInputStream().readNBytes(status, 0, 5) == 5
                    && new String(status, StandardCharsets.US_ASCII).equals("HTTP/");
        });
    }

    /** What a server says once it is ready, asked on a fresh connection. */
    @FunctionalInterface
    private interface ReadyProbe {
        boolean ready(Socket socket) throws IOException;
    }

    private static void awaitAnswer(final String name, final Process process, final int port,
                                     final Duration timeout, final Logs logs, final String what,
                                     final ReadyProbe probe) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ": " + logs.read());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(5000);
                if (probe.ready(socket)) {
                    return;
                }
            } catch (final IOException e) {
                last = e;
            }
            // The real server process tells nothing when it is ready: it is polled for, 10 times a second.
            Thread.sleep(100);
        }
        throw new IOException(name + " did not " + what + " on port " + port + " within " + timeout + ": "
                + logs.read(), last);
    }

    /**
     * Stops the process, forcibly after 10 s, then any process still running with {@code config} on its command
     * line: the server's children must not outlive the test.
     */
    static void stop(final Process process, final Path config) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            new ProcessBuilder("pkill", "-f", config.toString()).start().waitFor(5, TimeUnit.SECONDS);
        } catch (final IOException e) {
            // pkill missing: nothing more to do.
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
