package org.mailpush.pusher;

import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;
import io.netty.handler.codec.http2.Http2Headers;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A mock APNs whose answers a test scripts: each request is answered by the current {@link Script}, given the
 * request's number (from 1) and device token. It counts requests per token and records each request's client
 * certificate and authorization header, and when it came by {@link #ticker} (the test's time). Handlers run on the
 * mock server's event loop, so a stall holds back every request behind it, as a slow APNs would; a test opens the
 * stall's latch when the answer should go.
 */
final class ScriptedApns implements PushNotificationHandlerFactory {

    /** One answer. */
    record Answer(RejectionReason reason, Instant unregisteredSince, CountDownLatch stall) {
        static final Answer ACCEPT = new Answer(null, null, null);

        static Answer reject(final RejectionReason reason) {
            return new Answer(reason, null, null);
        }

        static Answer unregistered(final Instant since) {
            return new Answer(RejectionReason.UNREGISTERED, since, null);
        }

        /** Holds the request (and the server's event loop) until the latch opens, then accepts. */
        static Answer stallUntil(final CountDownLatch latch) {
            return new Answer(null, null, latch);
        }

        /** Holds the request (and the server's event loop) until the latch opens, then rejects: a slow answer. */
        static Answer rejectAfter(final RejectionReason reason, final CountDownLatch latch) {
            return new Answer(reason, null, latch);
        }
    }

    @FunctionalInterface
    interface Script {
        Answer answer(int requestNumber, String token);
    }

    /** A request as this mock saw it. */
    record Seen(int number, String token, String clientCertificateSerial, String authorization, long nanos) {
    }

    private final AtomicReference<Script> script = new AtomicReference<>((n, token) -> Answer.ACCEPT);
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, AtomicInteger> perToken = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile LongSupplier ticker = System::nanoTime;

    /** Stamps each request with this time (the pusher's, when a test drives it) instead of the system's. */
    void ticker(final LongSupplier time) {
        ticker = time;
    }

    void script(final Script newScript) {
        script.set(newScript);
    }

    int requests() {
        return requests.get();
    }

    int requests(final String token) {
        final AtomicInteger count = perToken.get(token);
        return count == null ? 0 : count.get();
    }

    @Override
    public PushNotificationHandler buildHandler(final SSLSession sslSession) {
        String serial;
        try {
            serial = ((X509Certificate) sslSession.getPeerCertificates()[0]).getSerialNumber().toString(16);
        } catch (final SSLPeerUnverifiedException e) {
            serial = null;
        }
        final String clientSerial = serial;
        return (headers, payload) -> handle(headers, clientSerial);
    }

    private void handle(final Http2Headers headers, final String clientSerial) throws RejectedNotificationException {
        final int number = requests.incrementAndGet();
        final String path = String.valueOf(headers.path());
        final String token = path.substring(path.lastIndexOf('/') + 1);
        perToken.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
        final CharSequence authorization = headers.get("authorization");
        seen.add(new Seen(number, token, clientSerial, authorization == null ? null : authorization.toString(),
                ticker.getAsLong()));
        final Answer answer = script.get().answer(number, token);
        try {
            if (answer.stall() != null) {
                answer.stall().await(60, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (answer.unregisteredSince() != null) {
            throw new UnregisteredDeviceTokenException(answer.unregisteredSince());
        }
        if (answer.reason() != null) {
            throw new RejectedNotificationException(answer.reason());
        }
    }
}
