package org.mailpush.notifyd.cyrus;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;
import org.mailpush.notifyd.intake.IntakeListener;
import org.mailpush.notifyd.event.IntakeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * Reads each datagram of the notify socket into an event and hands it on. Bad input is reported to the listener and
 * dropped; nothing a sender writes closes the channel. Runs on the socket's event loop: it parses and hands over,
 * it never touches the store.
 */
final class NotifyDatagramHandler extends SimpleChannelInboundHandler<DomainDatagramPacket> {

    private static final Logger LOG = LoggerFactory.getLogger(NotifyDatagramHandler.class);

    private final NotifyDatagramParser datagrams;
    private final CyrusEventParser events;
    private final IntakeListener listener;
    private final Consumer<IntakeEvent> sink;

    NotifyDatagramHandler(final NotifyDatagramParser datagrams, final CyrusEventParser events,
                          final IntakeListener listener, final Consumer<IntakeEvent> sink) {
        this.datagrams = datagrams;
        this.events = events;
        this.listener = listener;
        this.sink = sink;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final DomainDatagramPacket packet) {
        final long receivedAt = System.nanoTime();
        // The receive buffer is one byte larger than the limit, so a datagram over the limit shows as exactly that.
        if (packet.content().readableBytes() > datagrams.maxBytes()) {
            listener.badInput(CyrusEventParser.SOURCE, new BadInputException(BadInputKind.TOO_LARGE,
                    "datagram of more than " + datagrams.maxBytes() + " bytes"));
            return;
        }
        try {
            final CyrusEventParser.Parsed parsed =
                    events.parse(datagrams.parse(ByteBufUtil.getBytes(packet.content())), receivedAt);
            if (parsed.event().isPresent()) {
                listener.eventReceived(parsed.event().get());
                sink.accept(parsed.event().get());
            } else {
                listener.eventIgnored(CyrusEventParser.SOURCE, parsed.type());
            }
        } catch (final BadInputException e) {
            listener.badInput(CyrusEventParser.SOURCE, e);
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // A read error on a datagram socket concerns one datagram; keep the socket open for the next one.
        LOG.warn("Error reading the Cyrus notify socket; still listening", cause);
    }
}
