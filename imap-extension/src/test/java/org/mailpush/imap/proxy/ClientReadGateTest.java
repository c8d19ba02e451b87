package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/** The client is read only when nothing holds it, and resumes on a task of its own. */
class ClientReadGateTest {

    private final ImapFrameDecoder decoder = new ImapFrameDecoder(1024, false);
    private final EmbeddedChannel client = new EmbeddedChannel(decoder);
    private final ClientReadGate gate = new ClientReadGate(client, decoder, () -> true, Reason.UPSTREAM);

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
    }

    @Test
    void everyReasonMustBeReleasedAndTheKeptBytesComeOutOnTheResumeTask() {
        assertThat(client.config().isAutoRead()).isFalse();
        client.writeInbound(Unpooled.copiedBuffer("a NOOP\r\n", StandardCharsets.UTF_8));
        assertThat((Object) client.readInbound()).isNull();
        gate.hold(Reason.LOGIN);
        gate.release(Reason.UPSTREAM);
        client.runPendingTasks();
        assertThat(gate.isOpen()).isFalse();
        assertThat((Object) client.readInbound()).isNull();
        gate.release(Reason.LOGIN);
        assertThat((Object) client.readInbound()).as("not inside the call that released it").isNull();
        client.runPendingTasks();
        final ImapFrame frame = client.readInbound();
        assertThat(frame.content().toString(StandardCharsets.UTF_8)).isEqualTo("a NOOP\r\n");
        frame.release();
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void aHoldAddedBeforeTheResumeTaskRunsWins() {
        gate.release(Reason.UPSTREAM);
        gate.hold(Reason.REPLY);
        client.runPendingTasks();
        assertThat(client.config().isAutoRead()).isFalse();
        assertThat(decoder.isHeld()).isTrue();
    }
}
