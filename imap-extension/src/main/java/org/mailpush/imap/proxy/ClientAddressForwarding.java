package org.mailpush.imap.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * How the upstream server learns the client's address ({@link ImapProxySettings.ClientAddress}), which it otherwise
 * never sees (its per-address login penalty, connection limits, logs and fail2ban would all see the proxy):
 * <ul>
 *   <li>{@code ID}: an {@code ID} command before the client's first byte, with Dovecot's fields
 *       {@code x-originating-ip}, {@code x-originating-port}, {@code x-connected-ip}, {@code x-connected-port}.
 *       Dovecot believes them only from {@code login_trusted_networks}; Cyrus ignores them.</li>
 *   <li>{@code PROXY_V2}: the HAProxy PROXY protocol, version 2, ahead of the IMAP stream (Dovecot: {@code haproxy =
 *       yes} on the listener and {@code haproxy_trusted_networks}; Cyrus has no PROXY protocol support).</li>
 *   <li>{@code NONE}.</li>
 * </ul>
 * Whatever the mode, a client's own {@code ID} loses its {@code x-*} fields ({@link ClientIdCommand}): once the admin
 * trusts the proxy's address, they would otherwise be believed.
 */
final class ClientAddressForwarding {

    private ClientAddressForwarding() {
    }

    /** The {@code ID} command (without tag) that names the client, for {@link #ID}. */
    static String idCommand(final InetSocketAddress client, final InetSocketAddress connectedTo) {
        return "ID (\"x-originating-ip\" \"" + client.getAddress().getHostAddress()
                + "\" \"x-originating-port\" \"" + client.getPort()
                + "\" \"x-connected-ip\" \"" + connectedTo.getAddress().getHostAddress()
                + "\" \"x-connected-port\" \"" + connectedTo.getPort() + "\")";
    }

    /** The PROXY v2 header naming the client ({@code source}) and the address it connected to. */
    static HAProxyMessage proxyHeader(final InetSocketAddress client, final InetSocketAddress connectedTo) {
        InetAddress source = client.getAddress();
        InetAddress destination = connectedTo.getAddress();
        final boolean ipv4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        if (!ipv4) {
            source = ipv6(source);
            destination = ipv6(destination);
        }
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6, source.getHostAddress(),
                destination.getHostAddress(), client.getPort(), connectedTo.getPort());
    }

    /** An IPv4 address as IPv4-mapped IPv6, for a header that must carry one family. */
    private static InetAddress ipv6(final InetAddress address) {
        if (address instanceof Inet6Address) {
            return address;
        }
        final byte[] v4 = address.getAddress();
        final byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4, 0, mapped, 12, 4);
        try {
            return Inet6Address.getByAddress(null, mapped, -1);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
    }

    /**
     * Writes the PROXY v2 header as the upstream connection's first bytes (before TLS), then leaves the pipeline.
     * Put it first in the pipeline.
     */
    static final class ProxyHeaderWriter extends ChannelInboundHandlerAdapter {

        private final HAProxyMessage header;

        ProxyHeaderWriter(final HAProxyMessage header) {
            this.header = header;
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx) {
            ctx.pipeline().addBefore(ctx.name(), "proxy-header-encoder", HAProxyMessageEncoder.INSTANCE);
            ctx.writeAndFlush(header);
            ctx.pipeline().remove("proxy-header-encoder");
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
        }
    }
}
