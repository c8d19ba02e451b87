package org.mailpush.imap.proxy;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/**
 * STARTTLS and COMPRESS DEFLATE (RFC 4978), done by the proxy on the client's leg: the layer goes in under a new frame
 * decoder right after the proxy's {@code OK} is written, and only when the command is the last thing in flight (no
 * bytes read after it, nothing outstanding at the server, none of the proxy's own lines waiting), since whatever
 * crossed the layer's start would be read as sent through it (CVE-2011-0411). The client is read again once the
 * layer is in (for TLS, once its handshake is done).
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class LayerCommands {

    private final ClientCommandReader reader;
    private final ImapProxySettings settings;
    private final ProxyCounters counters;
    private final LoginTracker login;
    private final ClientLeg client;
    private final ClientReadGate gate;

    LayerCommands(final ClientCommandReader reader, final ImapProxySettings settings, final ProxyCounters counters,
                  final LoginTracker login, final ClientLeg client) {
        this.reader = reader;
        this.settings = settings;
        this.counters = counters;
        this.login = login;
        this.client = client;
        this.gate = client.gate();
    }

    void startTls(final ImapFrame.Line line, final CommandHead head) {
        if (!head.bare() || client.tls() || settings.serverTls() == null || login.authenticated()) {
            reader.refuse(line, head, head.tag() + " BAD STARTTLS is not available now");
            return;
        }
        if (notLastInFlight()) {
            // CVE-2011-0411: what follows STARTTLS in plain text would be taken as sent inside TLS.
            counters.protocolViolation();
            reader.refuse(line, head, head.tag() + " BAD STARTTLS must be the last command sent before TLS");
            return;
        }
        line.release();
        gate.hold(Reason.LAYER);
        client.reply(head.tag() + " OK Begin TLS negotiation now\r\n", () -> {
            // The OK is written, in plain text; everything after it is TLS, read by a new decoder.
            final Channel channel = client.channel();
            final SslHandler tls = new SslHandler(settings.serverTls().newEngine(channel.alloc()));
            channel.pipeline().addFirst("tls", tls);
            client.replaceDecoder();
            client.tlsStarted();
            tls.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    gate.release(Reason.LAYER);
                } else {
                    channel.close();
                }
            });
            channel.read();
        });
    }

    /** COMPRESS DEFLATE (RFC 4978) on the client's leg, with the same care as STARTTLS. */
    void compress(final ImapFrame.Line line, final CommandHead head) {
        if (!settings.compress()) {
            reader.refuse(line, head, head.tag() + " NO [CANNOT] COMPRESS is not available through this proxy");
            return;
        }
        if (line.announcesLiteral() || !login.authenticated() || !head.rest().equalsIgnoreCase("DEFLATE")) {
            reader.refuse(line, head, head.tag() + " BAD COMPRESS DEFLATE, after login");
            return;
        }
        if (ClientCompression.active(client.channel().pipeline())) {
            reader.refuse(line, head, head.tag() + " BAD COMPRESS is active already");
            return;
        }
        if (notLastInFlight()) {
            // RFC 4978: nothing may follow COMPRESS until its answer; bytes that did are neither plain nor deflate.
            counters.protocolViolation();
            reader.refuse(line, head, head.tag() + " BAD COMPRESS must be the last command sent before compression");
            return;
        }
        line.release();
        gate.hold(Reason.LAYER);
        client.reply(head.tag() + " OK DEFLATE active\r\n", () -> {
            // The OK is written uncompressed; everything after it is deflated, both ways.
            ClientCompression.start(client.channel().pipeline());
            client.replaceDecoder();
            counters.compressionStarted();
            gate.release(Reason.LAYER);
        });
    }

    /** Whether anything besides the command is in flight: bytes read after it, a command outstanding, a reply. */
    private boolean notLastInFlight() {
        return client.decoder().hasBufferedBytes() || !reader.quiet() || !client.replies().isEmpty();
    }
}
