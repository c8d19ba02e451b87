package org.mailpush.server.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.mailpush.server.config.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's HTTP endpoint on {@code http.listen} (loopback by default): {@code /healthz} answers whether the
 * process is alive; {@code /readyz} whether it can do its job (store reachable, a usable credential, listeners
 * bound), 200 or 503 with a JSON body saying what is wrong. Served by the JDK's HTTP server on one thread: the
 * traffic is a monitoring probe, not users.
 */
public final class OpsHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    private OpsHttpServer(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds and starts serving; throws naming the address when it is taken. */
    public static OpsHttpServer start(final HostPort listen, final Supplier<Readiness> readiness) throws IOException {
        final HttpServer server;
        try {
            server = HttpServer.create(listen.toSocketAddress(), 16);
        } catch (final IOException e) {
            throw new IOException("cannot listen on http.listen " + listen + ": " + e.getMessage(), e);
        }
        final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "ops-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/healthz", OpsHttpServer::healthz);
        server.createContext("/readyz", exchange -> readyz(exchange, readiness.get()));
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain", "not found\n"));
        server.start();
        LOG.info("Ops endpoint on http://{}/ (healthz, readyz)", listen);
        return new OpsHttpServer(server, executor);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void healthz(final HttpExchange exchange) throws IOException {
        respond(exchange, 200, "application/json", "{\"status\":\"up\"}\n");
    }

    private static void readyz(final HttpExchange exchange, final Readiness readiness) throws IOException {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", readiness.ready());
        body.put("problems", readiness.problems());
        body.put("checks", readiness.checks());
        respond(exchange, readiness.ready() ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final String body)
            throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
