package org.mailpush.notifyd.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.mailpush.notifyd.intake.IntakeListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-connection answer order and read pause, transition by transition, on an EmbeddedChannel. */
class IntakeRequestHandlerTest {

    /** Answers complete when the test says so, in any order. */
    private final Deque<CompletableFuture<HttpAnswer>> pending = new ArrayDeque<>();

    private EmbeddedChannel channel() {
        final HttpEndpoint endpoint = request -> {
            final CompletableFuture<HttpAnswer> answer = new CompletableFuture<>();
            pending.addLast(answer);
            return answer;
        };
        return new EmbeddedChannel(new IntakeRequestHandler("test",
                Map.of("/v1/events", new HttpIntakeServer.Route("POST", endpoint)), null, IntakeListener.NONE));
    }

    private static FullHttpRequest post() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/events");
    }

    private static String body(final Object response) {
        try {
            return ((FullHttpResponse) response).content().toString(StandardCharsets.UTF_8);
        } finally {
            ReferenceCountUtil.release(response);
        }
    }

    @Test
    void pipelinedAnswersLeaveInRequestOrderAndReadingResumesOnlyAfterTheLast() {
        final EmbeddedChannel channel = channel();
        // Two requests decoded from one read, as a pipelining client sends them.
        channel.writeInbound(post(), post());
        assertThat(channel.config().isAutoRead()).as("not reading while answers are pending").isFalse();
        final CompletableFuture<HttpAnswer> first = pending.removeFirst();
        final CompletableFuture<HttpAnswer> second = pending.removeFirst();

        second.complete(HttpAnswer.text(200, "second"));
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).as("the second answer waits for the first").isNull();

        first.complete(HttpAnswer.text(200, "first"));
        channel.runPendingTasks();
        assertThat(body(channel.readOutbound())).isEqualTo("first");
        assertThat(body(channel.readOutbound())).isEqualTo("second");
        assertThat(channel.config().isAutoRead()).as("both answered: reading again").isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void readingStaysPausedWhileALaterPipelinedAnswerIsStillPending() {
        final EmbeddedChannel channel = channel();
        channel.writeInbound(post(), post());
        pending.removeFirst().complete(HttpAnswer.text(200, "first"));
        channel.runPendingTasks();
        assertThat(body(channel.readOutbound())).isEqualTo("first");
        assertThat(channel.config().isAutoRead()).as("one answer still pending: a client cannot queue more")
                .isFalse();

        pending.removeFirst().complete(HttpAnswer.text(200, "second"));
        channel.runPendingTasks();
        assertThat(body(channel.readOutbound())).isEqualTo("second");
        assertThat(channel.config().isAutoRead()).isTrue();
        channel.finishAndReleaseAll();
    }
}
