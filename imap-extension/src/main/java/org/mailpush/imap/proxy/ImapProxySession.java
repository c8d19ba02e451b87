package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.mailpush.imap.codec.XApplePushServiceParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.mailpush.imap.proxy.ClientCommandTracker.Route;
import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/**
 * One client connection through the proxy and its connection to the upstream server: the session's state, on its
 * one event loop, and the routing of each client command. Every byte passes as it arrives (lines whole, literals in
 * parts, tags untouched, pipelining kept), read only where the server would read it ({@link ClientCommandTracker}),
 * with these exceptions:
 * <ul>
 *   <li>before login only what the proxy reads exactly as any server does passes ({@link PreLoginCommands}): the
 *       commands of the not-authenticated state, LOGIN read whole and sent as a line of the proxy's own; after
 *       login, commands that take no arguments are refused with any;</li>
 *   <li>XAPPLEPUSHSERVICE is answered by the proxy ({@link XApplePushServiceProcessor}); ID loses its {@code x-*}
 *       fields ({@link ClientIdCommand}); STARTTLS and COMPRESS are done by the proxy on the client's leg
 *       ({@link ClientCompression}); UNAUTHENTICATE is refused;
 *       a second login, a reused tag and a malformed command line are refused before they reach the server;</li>
 *   <li>LOGIN and AUTHENTICATE go to the server only when nothing else is outstanding, and no other command follows
 *       until the server answers: its answer is the login's ({@link LoginTracker}, the only place the user is
 *       learned);</li>
 *   <li>capability lists are rewritten where the grammar puts them ({@link CapabilityPolicy},
 *       {@link ServerResponseFilter}).</li>
 * </ul>
 * What the proxy says itself goes out only at a boundary between server responses ({@link ProxyReplies}), and the
 * client's next command waits behind it. Reading the client stops for any hold ({@link ClientReadGate}); a client
 * that cannot take what the server sends stops the proxy reading the server.
 */
final class ImapProxySession extends ChannelInboundHandlerAdapter
        implements ServerResponseFilter.Listener, UpstreamConnector.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ImapProxySession.class);
    /** Forwarded commands the server has yet to answer, at most; past it the client is read no further. */
    static final int MAX_OUTSTANDING = 1_000;

    private final ImapProxySettings settings;
    private final RegistrationSink sink;
    private final ProxyCounters counters;
    private final boolean implicitTls;
    private final UpstreamDialer dialer;
    private final Clock clock;
    private final CapabilityPolicy capabilities;

    private final ClientCommandTracker commands = new ClientCommandTracker();
    private final LoginTracker login = new LoginTracker();
    private final ProxyCommands own;
    private final ServerResponseTracker serverTracker = new ServerResponseTracker();

    private Channel client;
    private ImapFrameDecoder clientDecoder;
    private ClientReadGate gate;
    private ProxyReplies replies;
    private Channel upstream;
    private UpstreamPipeline upstreamPipeline;
    private ServerResponseFilter responses;
    private XApplePushServiceProcessor processor;
    private ScheduledFuture<?> loginDeadline;

    private boolean clientTls;
    private List<String> serverCapabilities;
    private boolean capabilitiesAfterLogin;
    private int registrations;
    /** The bytes of the command being read whole (XAPPLEPUSHSERVICE, ID, LOGIN), {@code null} when none. */
    private CommandBytes kept;
    /** The answer to the command being discarded. */
    private String refusal;
    private String authenticateMechanism;
    private String authenticateInitialResponse;
    /** Run, once, when nothing is outstanding any more (a login that waits, a registration). */
    private Runnable whenQuiet;
    private ImapFrame.Line deferredLine;

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
        this.clientTls = implicitTls;
        this.dialer = dialer;
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
        client = ctx.channel();
        clientDecoder = (ImapFrameDecoder) ctx.pipeline().get("frames");
        gate = new ClientReadGate(client, clientDecoder, () -> upstream != null && upstream.isWritable(),
                Reason.UPSTREAM);
        replies = new ProxyReplies(client, () -> responses == null || responses.atBoundary(),
                () -> gate.release(Reason.REPLY));
        processor = new XApplePushServiceProcessor((command, handler) -> own.send(upstream, command, handler), sink,
                client.eventLoop(), clock);
        loginDeadline = client.eventLoop().schedule(this::loginTimedOut, settings.loginTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        if (implicitTls) {
            // The upstream connection waits for the client's TLS: a handshake costs the client first. It needs reads
            // before the client is read as IMAP: one to start, then TLS asks for more.
            client.read();
        } else {
            connectUpstream();
        }
        ctx.fireChannelActive();
    }

    private void connectUpstream() {
        upstreamPipeline = new UpstreamPipeline(settings, (InetSocketAddress) client.remoteAddress(),
                (InetSocketAddress) client.localAddress(), serverTracker, this, new UpstreamEvents());
        dialer.dial(client, upstreamPipeline).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                LOG.warn("IMAP proxy cannot reach {}:{}: {}", settings.upstreamHost(), settings.upstreamPort(),
                        connected.cause().getMessage());
                closeWith("* BYE [UNAVAILABLE] The mail server cannot be reached now, try again later\r\n");
            }
        });
        upstream = upstreamPipeline.channel();
    }

    @Override
    public void upstreamReady(final String greeting, final List<String> stated) {
        upstream = upstreamPipeline.channel();
        responses = new ServerResponseFilter(client, upstreamPipeline.decoder(), serverTracker, own,
                line -> capabilities.rewrite(line, clientTls), this);
        upstream.pipeline().replace("connector", "responses", responses);
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
        client.writeAndFlush(Unpooled.copiedBuffer(capabilities.rewrite(relayed, clientTls),
                StandardCharsets.ISO_8859_1));
        gate.release(Reason.UPSTREAM);
    }

    @Override
    public void upstreamFailed(final String why) {
        LOG.warn("IMAP proxy: the connection to {}:{} failed: {}", settings.upstreamHost(), settings.upstreamPort(),
                why);
        closeWith("* BYE [UNAVAILABLE] The mail server cannot be reached now, try again later\r\n");
    }

    // ---- client → server -----------------------------------------------------------------------------------------

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object message) {
        final ImapFrame frame = (ImapFrame) message;
        final boolean line = frame instanceof ImapFrame.Line;
        switch (commands.state()) {
            case COMMAND -> {
                if (line) {
                    newCommand((ImapFrame.Line) frame);
                    return;
                }
            }
            case CONTINUES -> {
                if (line) {
                    commandLine((ImapFrame.Line) frame);
                    return;
                }
            }
            case LITERAL -> {
                if (!line) {
                    commandLiteral((ImapFrame.Literal) frame);
                    return;
                }
            }
            case IDLING -> {
                if (line) {
                    idleLine((ImapFrame.Line) frame);
                    return;
                }
            }
            case AUTHENTICATE_RESPONSE -> {
                if (line) {
                    saslResponse((ImapFrame.Line) frame);
                    return;
                }
            }
            default -> {
            }
        }
        // Bytes where the server would read none: the gate holds the decoder then, so this is a bug.
        frame.release();
        LOG.error("IMAP proxy: client bytes in state {}; closing the session", commands.state());
        client.close();
    }

    private void newCommand(final ImapFrame.Line line) {
        final CommandHead head = CommandHead.of(line.text());
        if (!head.wellFormed()) {
            counters.protocolViolation();
            refuse(line, new CommandHead("*", "*", ""), "* BAD Invalid tag or command name");
            return;
        }
        if (commands.isOutstanding(head.tag()) || own.owns(head.tag())) {
            // A reused tag would make the server's answer ambiguous: whose OK is it?
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD Tag " + head.tag() + " is already in use by a command in progress");
            return;
        }
        if (!login.authenticated() && !PreLoginCommands.ALLOWED.contains(head.name())
                && !head.name().equals(XApplePushServiceParser.COMMAND) && !head.name().equals("COMPRESS")) {
            // Before login only what the proxy reads exactly as the server does reaches it (PreLoginCommands).
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD " + head.name() + " is not available before login");
            return;
        }
        if (PreLoginCommands.NO_ARGUMENTS.contains(head.name()) && !head.bare()) {
            // A server runs these without reading what follows and skips the rest of the line: a literal there
            // would be read by the server as commands of its own, unseen by the proxy.
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD " + head.name() + " takes no arguments");
            return;
        }
        switch (head.name()) {
            case XApplePushServiceParser.COMMAND, "ID" -> {
                kept = new CommandBytes(settings.maxCommandLength());
                begin(head, Route.PROXY, line);
            }
            case "STARTTLS" -> startTls(line, head);
            case "COMPRESS" -> compress(line, head);
            case "UNAUTHENTICATE" -> refuse(line, head, head.tag() + " NO [CANNOT] " + head.name()
                    + " is not available through this proxy");
            case "LOGIN", "AUTHENTICATE" -> login(line, head);
            default -> begin(head, Route.FORWARD, line);
        }
    }

    private void login(final ImapFrame.Line line, final CommandHead head) {
        if (login.authenticated() || login.pending()) {
            // The user never changes once the server accepted one: refused here, never sent.
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD Already logged in");
            return;
        }
        if (!clientTls && !settings.allowPlainLogin()) {
            refuse(line, head, head.tag() + " NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in");
            return;
        }
        if (!quiet()) {
            // A login must not share the wire with another command: the server's answer must be the login's.
            deferredLine = line;
            gate.hold(Reason.QUIET);
            whenQuiet = () -> {
                final ImapFrame.Line waited = deferredLine;
                deferredLine = null;
                gate.release(Reason.QUIET);
                newCommand(waited);
            };
            return;
        }
        if (head.name().equals("LOGIN")) {
            // Read whole, then sent as a line of the proxy's own (PreLoginCommands.login).
            kept = new CommandBytes(settings.maxCommandLength());
            begin(head, Route.PROXY, line);
            return;
        }
        if (line.announcesLiteral() || !PreLoginCommands.authenticate(head.rest())) {
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD Invalid AUTHENTICATE arguments");
            return;
        }
        authenticateMechanism = CommandHead.asciiUpperCase(head.firstArgument());
        authenticateInitialResponse = head.secondArgument();
        begin(head, Route.FORWARD, line);
    }

    /** Answers a command with {@code reply} once it is read whole; its literals are read and dropped. */
    private void refuse(final ImapFrame.Line line, final CommandHead head, final String reply) {
        refusal = reply + "\r\n";
        begin(head, Route.DISCARD, line);
    }

    private void begin(final CommandHead head, final Route route, final ImapFrame.Line line) {
        commands.begin(head.tag(), head.name(), route);
        if (route == Route.FORWARD && commands.outstanding() >= MAX_OUTSTANDING) {
            gate.hold(Reason.OUTSTANDING);
        }
        commandLine(line);
    }

    private void commandLine(final ImapFrame.Line line) {
        final Route route = commands.route();
        if (kept != null) {
            kept.add(line.content());
        }
        if (route == Route.FORWARD) {
            upstream.write(line.content());
        } else {
            line.release();
        }
        final ClientCommandTracker.Next next = commands.lineRead(line.literalLength(), line.synchronizing());
        if (next != ClientCommandTracker.Next.COMPLETE && route != Route.DISCARD
                && commands.literalLength() > settings.maxLiteralLength()) {
            tooBig("Literal");
            return;
        }
        switch (next) {
            case LITERAL -> clientDecoder.expectLiteral(commands.literalLength());
            case PROXY_CONTINUATION -> {
                reply("+ Ready for literal data\r\n", null);
                clientDecoder.expectLiteral(commands.literalLength());
            }
            case WAIT_FOR_SERVER -> {
                if (commands.state() == ClientCommandTracker.State.AWAITING_AUTHENTICATE_CONTINUATION) {
                    authenticateSent();
                }
                gate.hold(Reason.SERVER);
            }
            default -> commandComplete();
        }
    }

    private void commandLiteral(final ImapFrame.Literal literal) {
        if (kept != null) {
            kept.add(literal.content());
        }
        if (commands.route() == Route.FORWARD) {
            upstream.write(literal.content());
        } else {
            literal.release();
        }
        commands.literalRead(literal.last());
    }

    private void commandComplete() {
        final String tag = commands.tag();
        final byte[] bytes = kept == null ? null : kept.get();
        kept = null;
        switch (commands.route()) {
            case DISCARD -> reply(refusal, null);
            case PROXY -> {
                switch (commands.name()) {
                    case "ID" -> forwardId(tag, bytes);
                    case "LOGIN" -> forwardLogin(tag, bytes);
                    default -> xApplePushService(tag, bytes);
                }
            }
            default -> {
            }
        }
    }

    /** Sends a LOGIN read whole as the proxy's own line; reads no further until the server answers it. */
    private void forwardLogin(final String tag, final byte[] command) {
        final Optional<String> rewritten = command == null ? Optional.empty() : PreLoginCommands.login(command);
        if (rewritten.isEmpty()) {
            counters.protocolViolation();
            reply(tag + " BAD Invalid LOGIN arguments\r\n", null);
            return;
        }
        commands.forwardedByProxy(tag);
        login.sent(tag, "the LOGIN command", LoginTracker.userOfLoginCommand(command));
        gate.hold(Reason.LOGIN);
        upstream.writeAndFlush(Unpooled.copiedBuffer(rewritten.get(), StandardCharsets.ISO_8859_1));
    }

    /** The AUTHENTICATE is with the server: one client line per challenge until its answer, the tracker says. */
    private void authenticateSent() {
        login.sent(commands.tag(), authenticateMechanism, null);
        if (!authenticateInitialResponse.isEmpty()) {
            login.saslResponse(authenticateInitialResponse);
        }
    }

    private void saslResponse(final ImapFrame.Line line) {
        final String response = line.text().strip();
        if (PreLoginCommands.saslResponse(response)) {
            login.saslResponse(response);
            upstream.write(line.content());
        } else {
            // Not base64: the server could read it as something else. Sent as "*", which cancels the exchange.
            counters.protocolViolation();
            line.release();
            login.saslResponse("*");
            upstream.write(Unpooled.copiedBuffer("*\r\n", StandardCharsets.US_ASCII));
        }
        commands.authenticateResponseRead();
        gate.hold(Reason.SERVER);
    }

    private void idleLine(final ImapFrame.Line line) {
        if (line.text().strip().equalsIgnoreCase("DONE")) {
            upstream.write(line.content());
        } else {
            // Only DONE ends IDLE (RFC 2177). Whatever else came is not passed on for the server to interpret:
            // the proxy ends the IDLE itself, and the line after this one is a command again, for both.
            counters.protocolViolation();
            line.release();
            upstream.write(Unpooled.copiedBuffer("DONE\r\n", StandardCharsets.US_ASCII));
        }
        commands.idleEnded();
    }

    private void startTls(final ImapFrame.Line line, final CommandHead head) {
        if (!head.bare() || clientTls || settings.serverTls() == null || login.authenticated()) {
            refuse(line, head, head.tag() + " BAD STARTTLS is not available now");
            return;
        }
        if (clientDecoder.hasBufferedBytes() || !quiet() || !replies.isEmpty()) {
            // CVE-2011-0411: what follows STARTTLS in plain text would be taken as sent inside TLS.
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD STARTTLS must be the last command sent before TLS");
            return;
        }
        line.release();
        gate.hold(Reason.LAYER);
        reply(head.tag() + " OK Begin TLS negotiation now\r\n", () -> {
            // The OK is written, in plain text; everything after it is TLS, read by a new decoder.
            final SslHandler tls = new SslHandler(settings.serverTls().newEngine(client.alloc()));
            client.pipeline().addFirst("tls", tls);
            replaceClientDecoder();
            clientTls = true;
            tls.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    gate.release(Reason.LAYER);
                } else {
                    client.close();
                }
            });
            client.read();
        });
    }

    /** COMPRESS DEFLATE (RFC 4978) on the client's leg, with the same care as STARTTLS. */
    private void compress(final ImapFrame.Line line, final CommandHead head) {
        if (!settings.compress()) {
            refuse(line, head, head.tag() + " NO [CANNOT] COMPRESS is not available through this proxy");
            return;
        }
        if (line.announcesLiteral() || !login.authenticated() || !head.rest().equalsIgnoreCase("DEFLATE")) {
            refuse(line, head, head.tag() + " BAD COMPRESS DEFLATE, after login");
            return;
        }
        if (ClientCompression.active(client.pipeline())) {
            refuse(line, head, head.tag() + " BAD COMPRESS is active already");
            return;
        }
        if (clientDecoder.hasBufferedBytes() || !quiet() || !replies.isEmpty()) {
            // RFC 4978: nothing may follow COMPRESS until its answer; bytes that did are neither plain nor deflate.
            counters.protocolViolation();
            refuse(line, head, head.tag() + " BAD COMPRESS must be the last command sent before compression");
            return;
        }
        line.release();
        gate.hold(Reason.LAYER);
        reply(head.tag() + " OK DEFLATE active\r\n", () -> {
            // The OK is written uncompressed; everything after it is deflated, both ways.
            ClientCompression.start(client.pipeline());
            replaceClientDecoder();
            counters.compressionStarted();
            gate.release(Reason.LAYER);
        });
    }

    /** A new layer sits under the decoder: nothing read before it may be read after it, so a new decoder. */
    private void replaceClientDecoder() {
        if (clientDecoder.hasBufferedBytes()) {
            client.close();
            return;
        }
        clientDecoder = newClientDecoder();
        gate.decoder(clientDecoder);
        client.pipeline().replace("frames", "frames", clientDecoder);
    }

    private void forwardId(final String tag, final byte[] command) {
        final Optional<String> rewritten = command == null ? Optional.empty() : ClientIdCommand.rewrite(command);
        if (rewritten.isEmpty()) {
            reply(tag + " BAD Invalid ID arguments\r\n", null);
            return;
        }
        commands.forwardedByProxy(tag);
        upstream.writeAndFlush(Unpooled.copiedBuffer(rewritten.get(), StandardCharsets.UTF_8));
    }

    private void xApplePushService(final String tag, final byte[] command) {
        final XApplePushServiceProcessor.Admission admission = XApplePushServiceProcessor.admit(tag, command, login,
                registrations, settings.maxRegistrations());
        if (admission.refusal() != null) {
            if (login.authenticated()) {
                counters.registrationRefused();
            }
            reply(admission.refusal(), null);
            return;
        }
        registrations++;
        gate.hold(Reason.REGISTRATION);
        whenQuiet(() -> processor.start(admission.request(), login.user(),
                capabilitiesAfterLogin ? serverCapabilities : null, (answer, outcome) -> {
                    if (outcome == XApplePushServiceProcessor.Outcome.REGISTERED) {
                        counters.registered();
                    } else {
                        counters.registrationRefused();
                    }
                    reply(answer, null);
                    gate.release(Reason.REGISTRATION);
                }));
    }

    // ---- server → client -----------------------------------------------------------------------------------------

    @Override
    public void responseCompleted(final ServerResponseTracker.Response response, final List<String> stated,
                                  final boolean relayed) {
        if (relayed && response.kind() == ServerResponseTracker.Kind.CONTINUATION) {
            final ClientCommandTracker.State now = commands.serverContinuation();
            if (now == ClientCommandTracker.State.LITERAL) {
                clientDecoder.expectLiteral(commands.literalLength());
            }
            if (now != null) {
                gate.release(Reason.SERVER);
            }
        } else if (relayed && response.kind() == ServerResponseTracker.Kind.TAGGED_STATUS) {
            tagged(response);
        }
        if (!stated.isEmpty()) {
            serverCapabilities = stated;
            capabilitiesAfterLogin = login.authenticated();
        }
        replies.flush();
        if (commands.outstanding() < MAX_OUTSTANDING) {
            gate.release(Reason.OUTSTANDING);
        }
        if (whenQuiet != null && quiet()) {
            final Runnable waiting = whenQuiet;
            whenQuiet = null;
            waiting.run();
        }
    }

    private void tagged(final ServerResponseTracker.Response response) {
        if (commands.serverTagged(response.tag())) {
            gate.release(Reason.SERVER);
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
                gate.release(Reason.LOGIN);
            }
            case REFUSED -> gate.release(Reason.LOGIN);
            default -> {
            }
        }
    }

    @Override
    public void serverClosed() {
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- the proxy's own output, and bounds ------------------------------------------------------------------------

    /** Queues lines of the proxy's own; the client is read no further until they are written, at a boundary. */
    private void reply(final String lines, final Runnable written) {
        gate.hold(Reason.REPLY);
        replies.add(lines, written);
    }

    private boolean quiet() {
        return commands.outstanding() == 0 && !own.busy();
    }

    private void whenQuiet(final Runnable action) {
        if (quiet()) {
            action.run();
        } else {
            whenQuiet = action;
        }
    }

    private void loginTimedOut() {
        if (login.authenticated() || !client.isActive()) {
            return;
        }
        counters.loginTimedOut();
        LOG.info("IMAP proxy: closing a session from {} that did not log in within {} s", remote(),
                settings.loginTimeout().toSeconds());
        closeWith("* BYE Autologout; log in within " + settings.loginTimeout().toSeconds() + " seconds\r\n");
    }

    private void tooBig(final String what) {
        counters.clientRefused();
        LOG.info("IMAP proxy: closing a session from {}: {} too long", remote(), what);
        closeWith("* BYE [TOOBIG] " + what + " too long\r\n");
    }

    /** Writes a last line (at a boundary; not at all when the server is mid-response) and closes. */
    private void closeWith(final String line) {
        if (!client.isActive()) {
            return;
        }
        if (responses == null || responses.atBoundary()) {
            client.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            client.close();
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
        client.flush();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(client.isWritable());
        }
        // A client that does not read what it is sent is not read either: each command it sends may make the proxy
        // answer it, and those answers would pile up in memory.
        if (gate == null) {
            return;
        }
        if (client.isWritable()) {
            gate.release(Reason.CLIENT);
        } else {
            gate.hold(Reason.CLIENT);
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                client.close();
            } else if (implicitTls && upstreamPipeline == null) {
                connectUpstream();
            }
        } else if (event instanceof IdleStateEvent) {
            closeWith("* BYE Autologout; idle for too long\r\n");
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        counters.sessionClosed();
        if (loginDeadline != null) {
            loginDeadline.cancel(false);
        }
        if (deferredLine != null) {
            deferredLine.release();
            deferredLine = null;
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        final Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof TooLongFrameException) {
            tooBig("Line");
            return;
        }
        LOG.debug("IMAP proxy session from {} failed: {}", remote(), cause.toString());
        ctx.close();
    }

    private String remote() {
        return client != null && client.remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : "?";
    }

    /** The end of the upstream pipeline: its flow control, idleness and failures. */
    private final class UpstreamEvents extends ChannelInboundHandlerAdapter {

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
            gate.upstreamWritabilityChanged();
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.debug("IMAP proxy: upstream connection failed: {}", cause.toString());
            ctx.close();
        }
    }
}
