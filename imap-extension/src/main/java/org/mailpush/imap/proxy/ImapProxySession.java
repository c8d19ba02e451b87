package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/**
 * One client connection through the proxy and its connection to the upstream server, on one event loop. Every byte
 * passes as it arrives (lines whole, literals in parts, tags untouched, pipelining kept), read only where the server
 * would read it ({@link ClientCommandTracker}), with these exceptions:
 * <ul>
 *   <li>before login only what the proxy reads exactly as any server does passes ({@link PreLoginCommands}): the
 *       commands of the not-authenticated state, LOGIN read whole and sent as a line of the proxy's own; after
 *       login, commands that take no arguments are refused with any;</li>
 *   <li>XAPPLEPUSHSERVICE is answered by the proxy ({@link XApplePushServiceProcessor}); ID loses its {@code x-*}
 *       fields ({@link ClientIdCommand}); STARTTLS and COMPRESS are done by the proxy on the client's leg
 *       ({@link LayerCommands}, {@link ClientCompression}); UNAUTHENTICATE is refused;
 *       a second login, a reused tag and a malformed command line are refused before they reach the server;</li>
 *   <li>LOGIN and AUTHENTICATE go to the server only when nothing else is outstanding, and no other command follows
 *       until the server answers: its answer is the login's ({@link LoginCommands}; {@link LoginTracker}, the only
 *       place the user is learned);</li>
 *   <li>capability lists are rewritten where the grammar puts them ({@link CapabilityPolicy},
 *       {@link ServerResponseFilter}).</li>
 * </ul>
 * What the proxy says itself goes out only at a boundary between server responses ({@link ProxyReplies}), and the
 * client's next command waits behind it. Reading the client stops for any hold ({@link ClientReadGate}); a client
 * that cannot take what the server sends stops the proxy reading the server.
 *
 * <p>The parts, one job each: {@link ClientLeg} and {@link UpstreamLeg}, the two connections and what sits on them;
 * {@link ClientCommandReader}, the client's stream read by the tracker's state, each command checked and routed,
 * with a processor per command the proxy acts on ({@link LoginCommands}, {@link LayerCommands},
 * {@link XApplePushServiceCommand}). This class is the client channel's handler, where they meet: the session's
 * set-up and end, the login deadline, and the server's side, whose answers move the trackers on and lift the holds
 * on the client.</p>
 */
final class ImapProxySession extends ChannelInboundHandlerAdapter
        implements ServerResponseFilter.Listener, UpstreamConnector.Listener {

    /** Where every part of a session logs: one category for the session, as when it was one class. */
    static final Logger LOG = LoggerFactory.getLogger(ImapProxySession.class);
    /** Forwarded commands the server has yet to answer, at most; past it the client is read no further. */
    static final int MAX_OUTSTANDING = 1_000;

    private static final String UNAVAILABLE =
            "* BYE [UNAVAILABLE] The mail server cannot be reached now, try again later\r\n";

    private final ImapProxySettings settings;
    private final RegistrationSink sink;
    private final ProxyCounters counters;
    private final boolean implicitTls;
    private final Clock clock;
    private final CapabilityPolicy capabilities;

    private final ClientCommandTracker commands = new ClientCommandTracker();
    private final LoginTracker login = new LoginTracker();
    private final ProxyCommands own;
    private final UpstreamLeg upstream;

    /** Made when the client's channel is active. */
    private ClientLeg client;
    private ClientCommandReader reader;
    private ScheduledFuture<?> loginDeadline;

    private List<String> serverCapabilities;
    private boolean capabilitiesAfterLogin;

    ImapProxySession(final ImapProxySettings settings, final RegistrationSink sink, final ProxyCounters counters,
                     final boolean implicitTls, final UpstreamDialer dialer, final Clock clock) {
        this(settings, sink, counters, implicitTls, dialer, clock, ProxyCommands.unpredictablePrefix());
    }

    /** @param ownTagPrefix what the proxy's own tags start with (tests pin it; sessions use a random one) */
    ImapProxySession(final ImapProxySettings settings, final RegistrationSink sink, final ProxyCounters counters,
                     final boolean implicitTls, final UpstreamDialer dialer, final Clock clock,
                     final String ownTagPrefix) {
        this.own = new ProxyCommands(ownTagPrefix);
        this.settings = settings;
        this.sink = sink;
        this.counters = counters;
        this.implicitTls = implicitTls;
        this.upstream = new UpstreamLeg(settings, dialer);
        this.clock = clock;
        this.capabilities = new CapabilityPolicy(implicitTls, settings.serverTls() != null,
                settings.allowPlainLogin(), settings.compress());
    }

    ImapFrameDecoder newClientDecoder() {
        return new ImapFrameDecoder(settings.maxLineLength(), false);
    }

    /** The user the server accepted in this session, {@code null} before that or when the login hides it. */
    String loggedInUser() {
        return login.user();
    }

    // ---- connection set-up ---------------------------------------------------------------------------------------

    @Override
    public void channelActive(final ChannelHandlerContext ctx) {
        client = new ClientLeg(ctx.channel(), (ImapFrameDecoder) ctx.pipeline().get("frames"), this::newClientDecoder,
                upstream, implicitTls, counters);
        final XApplePushServiceProcessor processor = new XApplePushServiceProcessor(
                (command, handler) -> own.send(upstream.channel(), command, handler), sink, ctx.channel().eventLoop(),
                clock);
        reader = new ClientCommandReader(settings, counters, commands, login, own, client, upstream, processor,
                () -> capabilitiesAfterLogin ? serverCapabilities : null);
        loginDeadline = ctx.channel().eventLoop().schedule(this::loginTimedOut, settings.loginTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        if (implicitTls) {
            // The upstream connection waits for the client's TLS: a handshake costs the client first. It needs reads
            // before the client is read as IMAP: one to start, then TLS asks for more.
            ctx.channel().read();
        } else {
            connectUpstream();
        }
        ctx.fireChannelActive();
    }

    private void connectUpstream() {
        upstream.connect(client.channel(), this, client.gate()::upstreamWritabilityChanged,
                () -> client.closeWith(UNAVAILABLE));
    }

    @Override
    public void upstreamReady(final String greeting, final List<String> stated) {
        upstream.ready(client.channel(), own, line -> capabilities.rewrite(line, client.tls()), this);
        serverCapabilities = stated.isEmpty() ? null : stated;
        if (greeting.regionMatches(true, 0, "* PREAUTH", 0, 9)) {
            login.preauthenticated();
            loginDeadline.cancel(false);
            LOG.info("IMAP proxy: the server pre-authenticated the session; push is not available without a user");
        }
        // Capabilities stated before an upstream STARTTLS are stale now; the client will ask.
        final String relayed = settings.upstreamSecurity() == ImapProxySettings.UpstreamSecurity.STARTTLS
                ? greeting.replaceFirst("(?i)\\[CAPABILITY [^]]*] ?", "") : greeting;
        // The greeting was read as ISO-8859-1 (one char per byte): written back the same way, byte for byte.
        client.channel().writeAndFlush(Unpooled.copiedBuffer(capabilities.rewrite(relayed, client.tls()),
                StandardCharsets.ISO_8859_1));
        client.gate().release(Reason.UPSTREAM);
    }

    @Override
    public void upstreamFailed(final String why) {
        LOG.warn("IMAP proxy: the connection to {}:{} failed: {}", settings.upstreamHost(), settings.upstreamPort(),
                why);
        client.closeWith(UNAVAILABLE);
    }

    // ---- client → server: the ClientCommandReader ----------------------------------------------------------------

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object message) {
        reader.read((ImapFrame) message);
    }

    // ---- server → client -----------------------------------------------------------------------------------------

    @Override
    public void responseCompleted(final ServerResponseTracker.Response response, final List<String> stated,
                                  final boolean relayed) {
        if (relayed && response.kind() == ServerResponseTracker.Kind.CONTINUATION) {
            final ClientCommandTracker.State now = commands.serverContinuation();
            if (now == ClientCommandTracker.State.LITERAL) {
                client.decoder().expectLiteral(commands.literalLength());
            }
            if (now != null) {
                client.gate().release(Reason.SERVER);
            }
        } else if (relayed && response.kind() == ServerResponseTracker.Kind.TAGGED_STATUS) {
            tagged(response);
        }
        if (!stated.isEmpty()) {
            serverCapabilities = stated;
            capabilitiesAfterLogin = login.authenticated();
        }
        client.replies().flush();
        if (commands.outstanding() < MAX_OUTSTANDING) {
            client.gate().release(Reason.OUTSTANDING);
        }
        reader.runIfQuiet();
    }

    private void tagged(final ServerResponseTracker.Response response) {
        if (commands.serverTagged(response.tag())) {
            client.gate().release(Reason.SERVER);
        }
        switch (login.answered(response.tag(), response.ok())) {
            case LOGGED_IN -> {
                loginDeadline.cancel(false);
                serverCapabilities = null; // stated before login; the login's answer may state new ones
                counters.loggedIn(login.user() != null);
                if (login.user() == null) {
                    LOG.info("IMAP proxy: login with {} does not say who logs in; push is not available in this"
                            + " session", login.pendingMechanism());
                } else {
                    LOG.debug("IMAP proxy: {} logged in ({})", login.user(), login.pendingMechanism());
                }
                client.gate().release(Reason.LOGIN);
            }
            case REFUSED -> client.gate().release(Reason.LOGIN);
            default -> {
            }
        }
    }

    @Override
    public void serverClosed() {
        client.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- bounds, and the client channel's events -----------------------------------------------------------------

    private void loginTimedOut() {
        if (login.authenticated() || !client.channel().isActive()) {
            return;
        }
        counters.loginTimedOut();
        LOG.info("IMAP proxy: closing a session from {} that did not log in within {} s", client.remote(),
                settings.loginTimeout().toSeconds());
        client.closeWith("* BYE Autologout; log in within " + settings.loginTimeout().toSeconds() + " seconds\r\n");
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        upstream.flush();
        client.channel().flush();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
        upstream.autoRead(ctx.channel().isWritable());
        // A client that does not read what it is sent is not read either: each command it sends may make the proxy
        // answer it, and those answers would pile up in memory.
        if (client == null) {
            return;
        }
        if (ctx.channel().isWritable()) {
            client.gate().release(Reason.CLIENT);
        } else {
            client.gate().hold(Reason.CLIENT);
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                client.channel().close();
            } else if (implicitTls && !upstream.dialled()) {
                connectUpstream();
            }
        } else if (event instanceof IdleStateEvent) {
            client.closeWith("* BYE Autologout; idle for too long\r\n");
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        counters.sessionClosed();
        if (loginDeadline != null) {
            loginDeadline.cancel(false);
        }
        if (reader != null) {
            reader.close();
        }
        upstream.close();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        final Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof TooLongFrameException) {
            client.tooBig("Line");
            return;
        }
        LOG.debug("IMAP proxy session from {} failed: {}", client == null ? "?" : client.remote(), cause.toString());
        ctx.close();
    }
}
