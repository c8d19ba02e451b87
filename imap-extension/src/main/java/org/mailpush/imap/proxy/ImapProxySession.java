package org.mailpush.imap.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import org.mailpush.imap.codec.CapabilityRewriter;
import org.mailpush.imap.codec.ImapReply;
import org.mailpush.imap.codec.ImapSyntaxException;
import org.mailpush.imap.codec.ListResponse;
import org.mailpush.imap.codec.SaslUsernames;
import org.mailpush.imap.codec.XApplePushServiceParser;
import org.mailpush.imap.codec.XApplePushServiceRequest;
import org.mailpush.imap.codec.XApplePushServiceResponses;
import org.mailpush.store.DeviceTokens;
import org.mailpush.store.RegistrationLimitException;
import org.mailpush.store.MailboxNames;
import org.mailpush.store.ModifiedUtf7;
import org.mailpush.store.Registration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client connection through the proxy, and its connection to the upstream IMAP server. Every byte is passed on
 * as it arrives (lines whole, literals in parts, tags untouched, pipelining kept), except:
 * <ul>
 *   <li>capability lists get XAPPLEPUSHSERVICE (and STARTTLS / LOGINDISABLED as this connection needs), and lose
 *       what the proxy cannot pass through (COMPRESS, the server's own STARTTLS);</li>
 *   <li>STARTTLS from the client is done by the proxy; COMPRESS is refused;</li>
 *   <li>LOGIN and AUTHENTICATE are read on the way to learn the user, who counts only once the server said OK;</li>
 *   <li>XAPPLEPUSHSERVICE is answered by the proxy: it asks the server which of the requested mailboxes the user
 *       can see (LIST, in this session, once the client's own commands are done), stores the registration and
 *       confirms only those mailboxes.</li>
 * </ul>
 *
 * <p>Threading: both channels run on one event loop, so nothing here needs a lock; the store is called through the
 * {@link RegistrationSink}, off that loop, and the answer comes back onto it. Backpressure: a side that cannot
 * write stops reading on the other; memory per session is bounded by the line limit and one read.</p>
 */
final class ImapProxySession extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ImapProxySession.class);
    private static final String PUSH_CAPABILITY = "XAPPLEPUSHSERVICE";

    private final ImapProxySettings settings;
    private final RegistrationSink sink;
    private final ProxyCounters counters;
    private final boolean implicitTls;

    private Channel client;
    private Channel upstream;
    private boolean clientTls;
    private boolean upstreamReady;
    private String heldGreeting;

    private ClientCommand current;
    private Continuation continuation;
    private final Map<String, String> outstanding = new LinkedHashMap<>();

    private boolean authenticated;
    private String user;
    private final Map<String, PendingLogin> pendingLogins = new LinkedHashMap<>();

    private boolean serverResponseContinues;
    private ByteArrayOutputStream injectedResponse;

    private XApplePushServiceRequest pushRequest;
    private String injectedTag;
    private final List<ListResponse> listed = new ArrayList<>();
    private int injections;
    private int registrations;

    private boolean paused;
    private final ArrayDeque<ImapFrame> queued = new ArrayDeque<>();

    /** A command whose following client lines are not commands: IDLE's DONE, AUTHENTICATE's responses. */
    private record Continuation(String tag, String mechanism) {
        boolean authenticating() {
            return mechanism != null;
        }
    }

    /** A LOGIN or AUTHENTICATE awaiting the server's answer, and the user it names if the proxy could tell. */
    private static final class PendingLogin {
        final String mechanism;
        String user;

        PendingLogin(final String mechanism, final String user) {
            this.mechanism = mechanism;
            this.user = user;
        }
    }

    ImapProxySession(final ImapProxySettings settings, final RegistrationSink sink, final ProxyCounters counters,
                     final boolean implicitTls) {
        this.settings = settings;
        this.sink = sink;
        this.counters = counters;
        this.implicitTls = implicitTls;
        this.clientTls = implicitTls;
    }

    // ---- connection set-up ---------------------------------------------------------------------------------------

    @Override
    public void channelActive(final ChannelHandlerContext ctx) {
        client = ctx.channel();
        client.config().setAutoRead(false);
        final Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channel(ImapProxyServer.upstreamChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.AUTO_READ, true)
                // Reads of up to 256 KiB: a large FETCH crosses the proxy in a few reads, not dozens.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 256 * 1024))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel channel) {
                        if (settings.upstreamSecurity() == ImapProxySettings.UpstreamSecurity.TLS) {
                            channel.pipeline().addLast("tls", upstreamSsl(channel));
                        }
                        channel.pipeline().addLast("idle", new IdleStateHandler(0, 0,
                                        settings.idleTimeout().toSeconds(), TimeUnit.SECONDS))
                                .addLast("frames", new ImapFrameDecoder(64 * 1024, true, Long.MAX_VALUE))
                                .addLast("session", new UpstreamHandler());
                    }
                });
        bootstrap.connect(settings.upstreamHost(), settings.upstreamPort()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                LOG.warn("IMAP proxy cannot reach {}:{}: {}", settings.upstreamHost(), settings.upstreamPort(),
                        f.cause().getMessage());
                sendToClientAndClose("* BYE [UNAVAILABLE] The mail server cannot be reached now, try again later\r\n");
                return;
            }
            upstream = f.channel();
        });
        ctx.fireChannelActive();
    }

    private SslHandler upstreamSsl(final Channel channel) {
        final SslHandler handler = settings.upstreamTls().newHandler(channel.alloc(), settings.upstreamHost(),
                settings.upstreamPort());
        if (settings.verifyUpstreamHostname()) {
            final SSLEngine engine = handler.engine();
            final SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /** The server's greeting arrived (after STARTTLS if asked for): pass it on and start reading the client. */
    private void upstreamGreeted(final String greeting) {
        upstreamReady = true;
        final String upper = greeting.toUpperCase(Locale.ROOT);
        if (upper.startsWith("* PREAUTH")) {
            authenticated = true;
            LOG.info("IMAP proxy: the server pre-authenticated the session; push is not available without a user");
        }
        String relayed = greeting;
        if (settings.upstreamSecurity() == ImapProxySettings.UpstreamSecurity.STARTTLS) {
            // Capabilities stated before TLS are stale now; the client will ask.
            relayed = greeting.replaceFirst("(?i)\\[CAPABILITY [^]]*] ?", "");
        }
        client.writeAndFlush(text(rewriteCapabilities(relayed)));
        resume();
    }

    // ---- client → server ---------------------------------------------------------------------------------------

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object message) {
        final ImapFrame frame = (ImapFrame) message;
        if (paused || !upstreamReady) {
            queued.add(frame);
            return;
        }
        try {
            clientFrame(frame);
        } catch (final RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    private void clientFrame(final ImapFrame frame) {
        if (frame instanceof ImapFrame.Literal literal) {
            clientLiteral(literal);
            return;
        }
        final ImapFrame.Line line = (ImapFrame.Line) frame;
        if (current != null) {
            commandContinues(line);
            return;
        }
        if (continuation != null) {
            if (continuation.authenticating()) {
                learnFromSaslResponse(line.text().strip());
            }
            forward(line);
            return;
        }
        newCommand(line);
    }

    private void clientLiteral(final ImapFrame.Literal literal) {
        if (current == null) {
            forward(literal);
            return;
        }
        switch (current.handling) {
            case ANSWER, FORWARD_AND_READ -> {
                current.keep(ByteBufUtil.getBytes(literal.content()));
                if (current.handling == ClientCommand.Handling.ANSWER) {
                    literal.release();
                } else {
                    forward(literal);
                }
            }
            case DISCARD -> literal.release();
            default -> forward(literal);
        }
    }

    private void commandContinues(final ImapFrame.Line line) {
        final ClientCommand command = current;
        switch (command.handling) {
            case ANSWER -> {
                command.keep(ByteBufUtil.getBytes(line.content()));
                line.release();
            }
            case FORWARD_AND_READ -> {
                command.keep(ByteBufUtil.getBytes(line.content()));
                forward(line);
            }
            case DISCARD -> line.release();
            default -> forward(line);
        }
        if (line.announcesLiteral()) {
            if (command.handling == ClientCommand.Handling.ANSWER && line.synchronizing()) {
                sendToClient("+ Ready for literal data\r\n");
            }
            return;
        }
        current = null;
        commandComplete(command);
    }

    private void newCommand(final ImapFrame.Line line) {
        final String text = line.whole() ? line.text() : "";
        final String[] head = ClientCommand.head(text);
        final String tag = head[0];
        final String name = head[1].toUpperCase(Locale.ROOT);
        if (text.isEmpty() || tag.isEmpty() || name.isEmpty()) {
            // Not a command the proxy needs to understand (or garbage): the server answers it.
            forward(line);
            return;
        }
        switch (name) {
            case XApplePushServiceParser.COMMAND -> {
                final ClientCommand command = new ClientCommand(tag, name, ClientCommand.Handling.ANSWER,
                        settings.maxCommandLength());
                command.keep(ByteBufUtil.getBytes(line.content()));
                line.release();
                begin(command, line);
            }
            case "STARTTLS" -> {
                line.release();
                startTls(tag);
            }
            case "COMPRESS" -> {
                refuse(line, tag, name, "NO [CANNOT] COMPRESS is not available through this proxy");
            }
            case "LOGIN", "AUTHENTICATE" -> {
                if (!clientTls && !settings.allowPlainLogin()) {
                    refuse(line, tag, name, "NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in");
                    return;
                }
                if (name.equals("AUTHENTICATE")) {
                    authenticate(line, tag, head[2], head[3]);
                    return;
                }
                final ClientCommand command = new ClientCommand(tag, name, ClientCommand.Handling.FORWARD_AND_READ,
                        settings.maxCommandLength());
                command.keep(ByteBufUtil.getBytes(line.content()));
                outstanding.put(tag, name);
                forward(line);
                begin(command, line);
            }
            case "IDLE" -> {
                outstanding.put(tag, name);
                continuation = new Continuation(tag, null);
                forward(line);
            }
            default -> {
                outstanding.put(tag, name);
                forward(line);
                if (line.announcesLiteral()) {
                    current = new ClientCommand(tag, name, ClientCommand.Handling.FORWARD, 0);
                }
            }
        }
    }

    /** A command whose first line is in; either complete or continuing with a literal. */
    private void begin(final ClientCommand command, final ImapFrame.Line line) {
        if (line.announcesLiteral()) {
            current = command;
            if (command.handling == ClientCommand.Handling.ANSWER && line.synchronizing()) {
                sendToClient("+ Ready for literal data\r\n");
            }
            return;
        }
        commandComplete(command);
    }

    private void commandComplete(final ClientCommand command) {
        if (command.handling == ClientCommand.Handling.ANSWER) {
            final byte[] bytes = command.bytes();
            if (bytes == null) {
                sendToClient(command.tag + " BAD [TOOBIG] Command too long\r\n");
                return;
            }
            xApplePushService(command.tag, bytes);
        } else if (command.handling == ClientCommand.Handling.FORWARD_AND_READ && command.name.equals("LOGIN")) {
            pendingLogins.put(command.tag, new PendingLogin("LOGIN", loginUser(command.bytes())));
        }
    }

    /** Answers a command itself with an error; drops any literal it still announces. */
    private void refuse(final ImapFrame.Line line, final String tag, final String name, final String reply) {
        final boolean literal = line.announcesLiteral();
        final boolean synchronizing = line.synchronizing();
        line.release();
        sendToClient(tag + " " + reply + "\r\n");
        if (literal && !synchronizing) {
            current = new ClientCommand(tag, name, ClientCommand.Handling.DISCARD, 0);
        }
    }

    private void authenticate(final ImapFrame.Line line, final String tag, final String mechanism,
                              final String initialResponse) {
        outstanding.put(tag, "AUTHENTICATE");
        final PendingLogin pending = new PendingLogin(mechanism.toUpperCase(Locale.ROOT), null);
        pendingLogins.put(tag, pending);
        if (!initialResponse.isBlank()) {
            pending.user = SaslUsernames.fromFirstResponse(mechanism, initialResponse.strip()).orElse(null);
        }
        continuation = new Continuation(tag, pending.mechanism);
        forward(line);
    }

    private void learnFromSaslResponse(final String response) {
        final PendingLogin pending = pendingLogins.get(continuation.tag());
        if (pending != null && pending.user == null && !response.equals("*")) {
            pending.user = SaslUsernames.fromFirstResponse(pending.mechanism, response).orElse(null);
        }
    }

    private static String loginUser(final byte[] command) {
        if (command == null) {
            return null;
        }
        try {
            final org.mailpush.imap.codec.ImapReader reader = new org.mailpush.imap.codec.ImapReader(command);
            reader.next();
            reader.next();
            final org.mailpush.imap.codec.ImapToken user = reader.next();
            return user.isString() && !user.text().isEmpty() ? user.text() : null;
        } catch (final ImapSyntaxException e) {
            return null;
        }
    }

    private void startTls(final String tag) {
        if (clientTls || settings.serverTls() == null || authenticated) {
            sendToClient(tag + " BAD STARTTLS is not available now\r\n");
            return;
        }
        // startTls: the OK below still goes out in plain text; what the client sends next is TLS.
        final SslHandler startTls = new SslHandler(settings.serverTls().newEngine(client.alloc()), true);
        client.pipeline().addFirst("tls", startTls);
        // Whatever the client sent after STARTTLS in plain text must not be taken as a command (RFC 9051 §11.1).
        client.pipeline().replace("frames", "frames", newClientDecoder());
        queued.forEach(ImapFrame::release);
        queued.clear();
        clientTls = true;
        client.writeAndFlush(text(tag + " OK Begin TLS negotiation now\r\n"));
    }

    ImapFrameDecoder newClientDecoder() {
        return new ImapFrameDecoder(settings.maxLineLength(), false, settings.maxLiteralLength());
    }

    // ---- XAPPLEPUSHSERVICE ---------------------------------------------------------------------------------------

    private void xApplePushService(final String tag, final byte[] command) {
        if (!authenticated) {
            sendToClient(tag + " BAD Please login first\r\n");
            return;
        }
        if (user == null) {
            counters.registrationRefused();
            sendToClient(tag + " NO [UNAVAILABLE] Push is not available: this login does not say who you are\r\n");
            return;
        }
        final XApplePushServiceRequest request;
        try {
            request = XApplePushServiceParser.parse(command);
        } catch (final ImapReply reply) {
            counters.registrationRefused();
            sendToClient(reply.line(tag));
            return;
        }
        if (registrations >= settings.maxRegistrations()) {
            counters.registrationRefused();
            sendToClient(tag + " NO [LIMIT] Too many XAPPLEPUSHSERVICE commands in this session\r\n");
            return;
        }
        registrations++;
        if (request.version() == 1 || request.mailboxes().isEmpty()) {
            register(request, request.version() == 1 ? List.of(MailboxNames.INBOX) : List.of());
            return;
        }
        // Ask the server which mailboxes exist, in this session, when the client's own commands are done (their
        // untagged answers must not mix with ours). The client waits meanwhile.
        pushRequest = request;
        pause();
        if (outstanding.isEmpty()) {
            sendList();
        }
    }

    private void sendList() {
        injectedTag = "mailpush" + (++injections);
        listed.clear();
        upstream.writeAndFlush(text(injectedTag + " LIST \"\" \"*\"\r\n"));
    }

    private void listDone(final boolean ok) {
        final XApplePushServiceRequest request = pushRequest;
        pushRequest = null;
        injectedTag = null;
        final List<String> confirmed = new ArrayList<>();
        if (ok) {
            for (final String wanted : request.mailboxes()) {
                for (final ListResponse mailbox : listed) {
                    if (mailbox.selectable() && sameMailbox(wanted, mailbox.name())) {
                        confirmed.add(wanted);
                        break;
                    }
                }
            }
        }
        listed.clear();
        register(request, confirmed);
    }

    private static boolean sameMailbox(final String requested, final String listed) {
        return MailboxNames.normalize(requested).equals(MailboxNames.normalize(listed));
    }

    private void register(final XApplePushServiceRequest request, final List<String> confirmed) {
        final List<String> unicode = confirmed.stream().map(ModifiedUtf7::decodeOrKeep).toList();
        final Registration registration = Registration.of(user, request.accountId(), request.deviceToken(),
                request.subtopic(), request.version(), new java.util.LinkedHashSet<>(unicode), sink.topic(),
                Instant.now());
        final String loggedUser = user;
        sink.register(registration).whenComplete((ignored, error) -> client.eventLoop().execute(() -> {
            final Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof RegistrationLimitException limit) {
                counters.registrationRefused();
                LOG.warn("IMAP proxy refused device {}: {}", DeviceTokens.mask(request.deviceToken()),
                        limit.getMessage());
                sendToClient(request.tag() + " NO [LIMIT] Too many devices are registered for push for this"
                        + " account\r\n");
            } else if (error != null) {
                counters.registrationRefused();
                LOG.error("IMAP proxy could not store the registration of device {} of {}: {}",
                        DeviceTokens.mask(request.deviceToken()), loggedUser, cause.getMessage());
                sendToClient(request.tag() + " NO [SERVERBUG] The registration could not be stored\r\n");
            } else {
                counters.registered();
                LOG.info("IMAP proxy: device {} of {} registered for {}", DeviceTokens.mask(request.deviceToken()),
                        loggedUser, unicode);
                sendToClient(XApplePushServiceResponses.success(request, confirmed, sink.topic()));
            }
            client.flush();
            resume();
        }));
    }

    // ---- server → client -----------------------------------------------------------------------------------------

    private void serverFrame(final ImapFrame frame) {
        if (frame instanceof ImapFrame.Literal literal) {
            if (injectedResponse != null) {
                injectedResponse.writeBytes(ByteBufUtil.getBytes(literal.content()));
                literal.release();
            } else {
                relay(literal);
            }
            return;
        }
        final ImapFrame.Line line = (ImapFrame.Line) frame;
        if (serverResponseContinues) {
            serverResponseContinues = line.announcesLiteral() || !line.endsLine();
            if (injectedResponse != null) {
                injectedResponse.writeBytes(ByteBufUtil.getBytes(line.content()));
                line.release();
                if (!serverResponseContinues) {
                    collectListResponse(injectedResponse.toByteArray());
                    injectedResponse = null;
                }
            } else {
                relay(line);
            }
            return;
        }
        serverResponseContinues = line.announcesLiteral() || !line.endsLine();
        if (!line.whole()) {
            relay(line);
            return;
        }
        final String text = line.text();
        if (!upstreamReady) {
            line.release();
            upstreamGreeting(text);
            return;
        }
        if (text.startsWith("+")) {
            relay(line);
            return;
        }
        if (text.startsWith("* ")) {
            if (injectedTag != null && text.regionMatches(true, 2, "LIST ", 0, 5)) {
                line.release();
                if (serverResponseContinues) {
                    injectedResponse = new ByteArrayOutputStream();
                    injectedResponse.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                } else {
                    collectListResponse(text.getBytes(StandardCharsets.UTF_8));
                }
                return;
            }
            relayRewritten(line, text);
            return;
        }
        final String tag = text.substring(0, Math.max(0, text.indexOf(' ')));
        if (tag.equals(injectedTag)) {
            line.release();
            listDone(text.regionMatches(true, tag.length() + 1, "OK", 0, 2));
            return;
        }
        tagged(tag, text);
        relayRewritten(line, text);
        if (pushRequest != null && injectedTag == null && outstanding.isEmpty()) {
            sendList();
        }
    }

    private void collectListResponse(final byte[] response) {
        try {
            final ListResponse parsed = ListResponse.parse(response);
            if (parsed != null) {
                listed.add(parsed);
            }
        } catch (final ImapSyntaxException e) {
            LOG.debug("IMAP proxy could not read a LIST response: {}", e.getMessage());
        }
    }

    /** A tagged answer to one of the client's commands. */
    private void tagged(final String tag, final String text) {
        outstanding.remove(tag);
        if (continuation != null && continuation.tag().equals(tag)) {
            continuation = null;
        }
        final PendingLogin login = pendingLogins.remove(tag);
        if (login == null) {
            return;
        }
        final boolean ok = text.regionMatches(true, tag.length() + 1, "OK", 0, 2);
        if (!ok) {
            return;
        }
        authenticated = true;
        user = login.user;
        counters.loggedIn(user != null);
        if (user == null) {
            LOG.info("IMAP proxy: login with {} does not say who logs in; push is not available in this session",
                    login.mechanism);
        } else {
            LOG.debug("IMAP proxy: {} logged in ({})", user, login.mechanism);
        }
    }

    private void upstreamGreeting(final String text) {
        if (settings.upstreamSecurity() != ImapProxySettings.UpstreamSecurity.STARTTLS) {
            upstreamGreeted(text);
            return;
        }
        if (heldGreeting == null) {
            heldGreeting = text;
            upstream.writeAndFlush(text("mailpush0 STARTTLS\r\n"));
            return;
        }
        if (text.regionMatches(true, 0, "mailpush0 OK", 0, 12)) {
            final SslHandler tls = upstreamSsl(upstream);
            upstream.pipeline().addFirst("tls", tls);
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    upstreamGreeted(heldGreeting);
                } else {
                    LOG.warn("IMAP proxy: TLS with {} failed: {}", settings.upstreamHost(), f.cause().getMessage());
                    sendToClientAndClose("* BYE [UNAVAILABLE] The mail server cannot be reached securely\r\n");
                }
            });
        } else if (text.startsWith("mailpush0 ")) {
            LOG.warn("IMAP proxy: {} refused STARTTLS: {}", settings.upstreamHost(), text.strip());
            sendToClientAndClose("* BYE [UNAVAILABLE] The mail server cannot be reached securely\r\n");
        }
    }

    private void relayRewritten(final ImapFrame.Line line, final String text) {
        final String rewritten = rewriteCapabilities(text);
        if (rewritten.equals(text)) {
            relay(line);
        } else {
            line.release();
            client.write(text(rewritten));
        }
    }

    private String rewriteCapabilities(final String text) {
        final boolean offerStartTls = !implicitTls && !clientTls && settings.serverTls() != null;
        final boolean loginDisabled = !clientTls && !settings.allowPlainLogin();
        final List<String> add = new ArrayList<>();
        add.add(PUSH_CAPABILITY);
        if (offerStartTls) {
            add.add("STARTTLS");
        }
        if (loginDisabled) {
            add.add("LOGINDISABLED");
        }
        return new CapabilityRewriter(add, capability -> capability.startsWith("COMPRESS=")
                || capability.equals("STARTTLS") || capability.equals("LOGINDISABLED")
                || loginDisabled && capability.startsWith("AUTH=")).rewrite(text);
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    private void forward(final ImapFrame frame) {
        upstream.write(frame.content());
    }

    private void relay(final ImapFrame frame) {
        client.write(frame.content());
    }

    private void sendToClient(final String line) {
        client.write(text(line));
    }

    private void sendToClientAndClose(final String line) {
        client.writeAndFlush(text(line)).addListener(ChannelFutureListener.CLOSE);
    }

    private static ByteBuf text(final String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private void pause() {
        paused = true;
        client.config().setAutoRead(false);
    }

    private void resume() {
        paused = false;
        while (!paused && upstreamReady && !queued.isEmpty() && client.isActive()) {
            clientFrame(queued.poll());
        }
        if (!paused) {
            upstream.flush();
            client.config().setAutoRead(upstream.isWritable());
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
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
        if (event instanceof IdleStateEvent) {
            sendToClientAndClose("* BYE Autologout; idle for too long\r\n");
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        counters.sessionClosed();
        queued.forEach(ImapFrame::release);
        queued.clear();
        if (upstream != null) {
            upstream.close();
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            counters.clientRefused();
            LOG.info("IMAP proxy: closing a session from {}: {}", remote(), cause.getMessage());
            sendToClientAndClose("* BYE [TOOBIG] " + (cause.getMessage().contains("literal") ? "Literal" : "Line")
                    + " too long\r\n");
            return;
        }
        LOG.debug("IMAP proxy session from {} failed: {}", remote(), cause.toString());
        ctx.close();
    }

    private String remote() {
        return client != null && client.remoteAddress() instanceof InetSocketAddress address
                ? address.getAddress().getHostAddress() : "?";
    }

    /** The upstream side: frames go to the session, on the same event loop. */
    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(final ChannelHandlerContext ctx) {
            upstream = ctx.channel();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object message) {
            final ImapFrame frame = (ImapFrame) message;
            try {
                serverFrame(frame);
            } catch (final RuntimeException e) {
                frame.release();
                throw e;
            }
        }

        @Override
        public void channelReadComplete(final ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
            if (!paused && upstreamReady) {
                client.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.debug("IMAP proxy: upstream connection failed: {}", cause.toString());
            ctx.close();
        }
    }
}
