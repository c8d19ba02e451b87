package org.mailpush.notifyd.http;

import org.mailpush.testing.Heap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeCounters;
import org.mailpush.testing.RawHttpConnection;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mailpush.testing.RawHttpConnection.dovecotPost;

class HttpIntakeServerTest {

    private final IntakeCounters counters = new IntakeCounters();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private HttpIntakeServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpIntakeServer.Builder echo() {
        return HttpIntakeServer.builder()
                .name("intake")
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .listener(counters)
                .endpoint("POST", "/v1/events", request -> {
                    final String body = new String(request.body(), StandardCharsets.UTF_8);
                    bodies.add(body);
                    return CompletableFuture.completedFuture(HttpAnswer.json(202, "{\"got\":" + body.length() + "}"));
                });
    }

    @Test
    void answersExpectContinueBeforeTheBodyIsSent() throws IOException {
        server = echo().bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.setTimeoutMillis(1000); // Dovecot waits 2 s; the interim answer must come well before
            http.send(dovecotPost("/v1/events", "127.0.0.1", "{\"a\":1}", true));
            final RawHttpConnection.Response interim = http.read();
            assertThat(interim.status()).isEqualTo(100);
            http.send("{\"a\":1}");
            final RawHttpConnection.Response answer = http.read();
            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.body()).isEqualTo("{\"got\":7}");
        }
        assertThat(bodies).containsExactly("{\"a\":1}");
    }

    @Test
    void keepsTheConnectionForTheNextRequest() throws IOException {
        server = echo().bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            for (int i = 0; i < 3; i++) {
                http.send(dovecotPost("/v1/events", "127.0.0.1", "{\"n\":" + i + "}", false));
                assertThat(http.read().status()).isEqualTo(202);
            }
        }
        assertThat(bodies).containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}");
    }

    @Test
    void answersPipelinedRequestsInOrderEvenWhenTheyCompleteOutOfOrder() throws IOException {
        final CompletableFuture<HttpAnswer> slow = new CompletableFuture<>();
        final AtomicInteger fastAnswered = new AtomicInteger();
        server = HttpIntakeServer.builder().name("intake").listen(new InetSocketAddress("127.0.0.1", 0))
                .endpoint("POST", "/slow", request -> slow)
                .endpoint("POST", "/fast", request -> {
                    fastAnswered.incrementAndGet();
                    return CompletableFuture.completedFuture(HttpAnswer.text(200, "fast"));
                })
                .bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/slow", "h", "{}", false) + dovecotPost("/fast", "h", "{}", false));
            // The fast answer is complete while the slow one is not: then the slow one completes.
            await().atMost(Duration.ofSeconds(5)).until(() -> fastAnswered.get() == 1);
            assertThat(slow).isNotDone();
            slow.complete(HttpAnswer.text(200, "slow"));
            assertThat(http.read().body()).isEqualTo("slow");
            assertThat(http.read().body()).isEqualTo("fast");
        }
        assertThat(fastAnswered).hasValue(1);
    }

    @Test
    void refusesABodyOverTheLimitWith413AndCountsIt() throws IOException {
        server = echo().maxBodyBytes(100).bind();
        final String big = "{\"x\":\"" + "a".repeat(200) + "\"}";
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/v1/events", "h", big, true));
            assertThat(http.read().status()).isEqualTo(413);
        }
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/v1/events", "h", big, false));
            assertThat(http.read().status()).isEqualTo(413);
        }
        assertThat(bodies).isEmpty();
        assertThat(counters.badInput(BadInputKind.TOO_LARGE)).isEqualTo(2);
    }

    @Test
    void unknownPathsAndWrongMethodsGetClearAnswers() throws IOException {
        server = echo().bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/v2/events", "h", "{}", false));
            final RawHttpConnection.Response notFound = http.read();
            assertThat(notFound.status()).isEqualTo(404);
            assertThat(notFound.body()).contains("/v2/events").contains("/v1/events");
            http.send("GET /v1/events HTTP/1.1\r\nHost: h\r\n\r\n");
            final RawHttpConnection.Response wrongMethod = http.read();
            assertThat(wrongMethod.status()).isEqualTo(405);
            assertThat(wrongMethod.headers()).containsEntry("allow", "POST");
            assertThat(wrongMethod.body()).contains("takes POST, not GET");
        }
        assertThat(counters.badInput(BadInputKind.BAD_REQUEST)).isEqualTo(2);
    }

    @Test
    void aMalformedRequestIsAnswered400AndTheConnectionClosed() throws IOException {
        server = echo().bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send("POST /v1/events HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
            final RawHttpConnection.Response answer = http.read();
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).startsWith("malformed HTTP request");
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(bodies).isEmpty();
    }

    @Test
    void withASecretOnlyRequestsCarryingItAreServed() throws IOException {
        server = echo().sharedSecret("s3cret-value").bind();
        final String basic = Base64.getEncoder().encodeToString("dovecot:s3cret-value".getBytes(
                StandardCharsets.UTF_8));
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/v1/events", "h", "{}", false));
            final RawHttpConnection.Response missing = http.read();
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.headers()).containsKey("www-authenticate");
            assertThat(missing.body()).contains("Authorization: Bearer");

            http.send(dovecotPost("/v1/events", "h", "{}", false, "Authorization: Bearer wrong"));
            final RawHttpConnection.Response wrong = http.read();
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.body()).doesNotContain("s3cret");

            http.send(dovecotPost("/v1/events", "h", "{\"ok\":1}", false, "Authorization: Bearer s3cret-value"));
            assertThat(http.read().status()).isEqualTo(202);
            http.send(dovecotPost("/v1/events", "h", "{\"ok\":2}", false, "Authorization: Basic " + basic));
            assertThat(http.read().status()).isEqualTo(202);
            // Unknown paths are not revealed to a sender without the secret.
            http.send(dovecotPost("/admin", "h", "{}", false));
            assertThat(http.read().status()).isEqualTo(401);
        }
        assertThat(bodies).containsExactly("{\"ok\":1}", "{\"ok\":2}");
        assertThat(counters.badInput(BadInputKind.UNAUTHENTICATED)).isEqualTo(3);
    }

    @Test
    void anEndpointThatFailsGets500AndTheServerGoesOn() throws IOException {
        server = HttpIntakeServer.builder().name("intake").listen(new InetSocketAddress("127.0.0.1", 0))
                .endpoint("POST", "/throws", request -> {
                    throw new IllegalStateException("bug");
                })
                .endpoint("POST", "/fails", request -> CompletableFuture.failedFuture(new IllegalStateException("x")))
                .endpoint("POST", "/ok", request -> CompletableFuture.completedFuture(HttpAnswer.empty(204)))
                .bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.send(dovecotPost("/throws", "h", "{}", false));
            assertThat(http.read().status()).isEqualTo(500);
            http.send(dovecotPost("/fails", "h", "{}", false));
            assertThat(http.read().status()).isEqualTo(500);
            http.send(dovecotPost("/ok", "h", "{}", false));
            assertThat(http.read().status()).isEqualTo(204);
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws IOException {
        server = echo().maxConnections(2).bind();
        try (RawHttpConnection first = new RawHttpConnection(server.address());
             RawHttpConnection second = new RawHttpConnection(server.address())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 2);
            try (RawHttpConnection third = new RawHttpConnection(server.address())) {
                assertThat(third.closedByServer()).isTrue();
            }
            first.send(dovecotPost("/v1/events", "h", "{}", false));
            assertThat(first.read().status()).isEqualTo(202);
        }
        assertThat(server.refusedConnections()).isEqualTo(1);
    }

    @Test
    void tenThousandIdleConnectionsAreBoundedAndThenClosed() throws Exception {
        server = echo().maxConnections(1_000).idleTimeout(Duration.ofSeconds(2)).bind();
        final long heapBefore = Heap.usedAfterGc();
        final List<java.net.Socket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 10_000; i++) {
                final java.net.Socket socket = new java.net.Socket();
                socket.connect(server.address(), 5_000);
                sockets.add(socket);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.refusedConnections() == 9_000);
            assertThat(server.openConnections()).isEqualTo(1_000);
            assertThat(Heap.usedAfterGc() - heapBefore).as("heap for 10,000 idle clients").isLessThan(48L << 20);
            // The 1,000 it keeps are idle: closed after the idle timeout, and the door serves again.
            await().atMost(Duration.ofSeconds(20)).until(() -> server.openConnections() == 0);
            try (RawHttpConnection http = new RawHttpConnection(server.address())) {
                http.send(dovecotPost("/v1/events", "h", "{}", false));
                assertThat(http.read().status()).isEqualTo(202);
            }
        } finally {
            for (final java.net.Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void idleConnectionsAreClosed() throws IOException {
        server = echo().idleTimeout(Duration.ofSeconds(1)).bind();
        try (RawHttpConnection http = new RawHttpConnection(server.address())) {
            http.setTimeoutMillis(5000);
            final long start = System.nanoTime();
            assertThat(http.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aTakenAddressIsReportedWithTheSettingName() throws IOException {
        server = echo().bind();
        final InetSocketAddress taken = server.address();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpIntakeServer.builder().name("xapsd")
                        .listen(taken).endpoint("POST", "/notify", r -> null).bind())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("xapsd.listen").hasMessageContaining(String.valueOf(taken.getPort()));
    }
}
