package org.mailpush.server.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.mailpush.common.settings.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's HTTP endpoint on {@code http.listen} (loopback by default): {@code /healthz} answers whether the
 * process is alive; {@code /readyz} whether it can do its job (store reachable, a usable credential, listeners
 * bound), 200 or 503 with a JSON body saying what is wrong; {@code /metrics} in Prometheus' text format; {@code /}
 * the status page and {@code /status.json} its data. With {@code http.user} and {@code http.password-file} every
 * path needs HTTP Basic authentication. Served by the JDK's HTTP server on one thread: the traffic is probes and
 * an operator's browser, not users.
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

    /** Who may read the endpoint: HTTP Basic credentials, or {@code null} for anyone who can reach it. */
    public record Access(String user, String password) {

        @Override
        public String toString() {
            return "Access[user=" + user + "]";
        }
    }

    /**
     * Binds and starts serving; throws naming the address when it is taken.
     *
     * @param metrics {@code null} for an endpoint without metrics and status page (tests of readiness alone)
     */
    public static OpsHttpServer start(final HostPort listen, final Supplier<Readiness> readiness,
                                      final MailpushMetrics metrics, final StatusReport status, final Access access)
            throws IOException {
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
        final byte[] page = statusPage();
        final Map<String, HttpHandler> routes = new LinkedHashMap<>();
        routes.put("/healthz", exchange -> respond(exchange, 200, "application/json", "{\"status\":\"up\"}\n"));
        routes.put("/readyz", exchange -> readyz(exchange, readiness.get()));
        if (metrics != null) {
            routes.put("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4",
                    metrics.scrape()));
            routes.put("/status.json", exchange -> respond(exchange, 200, "application/json",
                    JSON.writeValueAsString(status.build())));
        }
        routes.put("/", exchange -> {
            if (metrics != null && exchange.getRequestURI().getPath().equals("/")) {
                respond(exchange, 200, "text/html", page);
            } else {
                respond(exchange, 404, "text/plain", "not found\n");
            }
        });
        routes.forEach((path, handler) -> {
            final HttpContext context = server.createContext(path, handler);
            if (access != null) {
                context.setAuthenticator(new Authenticator(access));
            }
        });
        server.start();
        LOG.info("Ops endpoint on http://{}/ ({}){}", listen, String.join(", ", routes.keySet()),
                access != null ? ", basic authentication required" : "");
        return new OpsHttpServer(server, executor);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static byte[] statusPage() throws IOException {
        try (InputStream in = OpsHttpServer.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IOException("status.html is missing from the jar");
            }
            return in.readAllBytes();
        }
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
        respond(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        // The page needs nothing from elsewhere; say so, so a browser refuses it even if something tried.
        exchange.getResponseHeaders().set("Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self';"
                        + " img-src 'self' data:");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Basic authentication against one user, compared in constant time. */
    private static final class Authenticator extends BasicAuthenticator {
        private final byte[] user;
        private final byte[] password;

        Authenticator(final Access access) {
            super("mailpush");
            this.user = access.user().getBytes(StandardCharsets.UTF_8);
            this.password = access.password().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean checkCredentials(final String givenUser, final String givenPassword) {
            final boolean userMatches = MessageDigest.isEqual(user, givenUser.getBytes(StandardCharsets.UTF_8));
            final boolean passwordMatches = MessageDigest.isEqual(password,
                    givenPassword.getBytes(StandardCharsets.UTF_8));
            return userMatches & passwordMatches;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
