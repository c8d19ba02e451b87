package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import org.mailpush.imap.codec.XApplePushServiceParser;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import static org.mailpush.imap.proxy.ClientCommandTracker.Route;
import static org.mailpush.imap.proxy.ClientReadGate.Reason;
import static org.mailpush.imap.proxy.ImapProxySession.LOG;

/**
 * The client's stream, read where the server would read it: each frame goes where the {@link ClientCommandTracker}'s
 * state says (a new command, a line or literal of the current one, IDLE's one line, a SASL response), anything else
 * ends the session. Each new command is checked before anything of it reaches the server (well-formed, its tag not
 * in use, allowed before login, no arguments where none are read), then given its route: forwarded as it arrives,
 * read whole for the proxy (XAPPLEPUSHSERVICE, ID, LOGIN), or refused and its literals dropped. The commands the
 * proxy acts on have processors of their own: {@link LoginCommands}, {@link LayerCommands} (STARTTLS, COMPRESS),
 * {@link XApplePushServiceCommand}.
 *
 * <p>What must wait until nothing is outstanding at the server (a login, a registration) waits here:
 * {@link #whenQuiet}, run by the session when the server's answers leave it quiet ({@link #runIfQuiet}).</p>
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ClientCommandReader {

    private final ImapProxySettings settings;
    private final ProxyCounters counters;
    private final ClientCommandTracker commands;
    private final LoginTracker login;
    private final ProxyCommands own;
    private final ClientLeg client;
    private final ClientReadGate gate;
    private final UpstreamLeg upstream;
    private final LoginCommands logins;
    private final LayerCommands layers;
    private final XApplePushServiceCommand registrations;

    /** The bytes of the command being read whole (XAPPLEPUSHSERVICE, ID, LOGIN), {@code null} when none. */
    private CommandBytes kept;
    /** The answer to the command being discarded. */
    private String refusal;
    /** Run, once, when nothing is outstanding any more (a login that waits, a registration). */
    private Runnable whenQuiet;
    private ImapFrame.Line deferredLine;

    /**
     * @param processor              answers XAPPLEPUSHSERVICE
     * @param capabilitiesSinceLogin what the server stated since the login, {@code null} when unknown
     */
    ClientCommandReader(final ImapProxySettings settings, final ProxyCounters counters,
                        final ClientCommandTracker commands, final LoginTracker login, final ProxyCommands own,
                        final ClientLeg client, final UpstreamLeg upstream,
                        final XApplePushServiceProcessor processor,
                        final Supplier<List<String>> capabilitiesSinceLogin) {
        this.settings = settings;
        this.counters = counters;
        this.commands = commands;
        this.login = login;
        this.own = own;
        this.client = client;
        this.gate = client.gate();
        this.upstream = upstream;
        this.logins = new LoginCommands(this, settings, counters, commands, login, client, upstream);
        this.layers = new LayerCommands(this, settings, counters, login, client);
        this.registrations = new XApplePushServiceCommand(this, settings.maxRegistrations(), counters, login, client,
                processor, capabilitiesSinceLogin);
    }

    /** A frame from the client, read where the tracker's state says. */
    void read(final ImapFrame frame) {
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
                    logins.saslResponse((ImapFrame.Line) frame);
                    return;
                }
            }
            default -> {
            }
        }
        // Bytes where the server would read none: the gate holds the decoder then, so this is a bug.
        frame.release();
        LOG.error("IMAP proxy: client bytes in state {}; closing the session", commands.state());
        client.channel().close();
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
            case XApplePushServiceParser.COMMAND, "ID" -> keepWhole(head, line);
            case "STARTTLS" -> layers.startTls(line, head);
            case "COMPRESS" -> layers.compress(line, head);
            case "UNAUTHENTICATE" -> refuse(line, head, head.tag() + " NO [CANNOT] " + head.name()
                    + " is not available through this proxy");
            case "LOGIN", "AUTHENTICATE" -> logins.login(line, head);
            default -> begin(head, Route.FORWARD, line);
        }
    }

    /** Answers a command with {@code reply} once it is read whole; its literals are read and dropped. */
    void refuse(final ImapFrame.Line line, final CommandHead head, final String reply) {
        refusal = reply + "\r\n";
        begin(head, Route.DISCARD, line);
    }

    /** Reads a command whole, up to the bound, for the proxy to answer or send as a line of its own. */
    void keepWhole(final CommandHead head, final ImapFrame.Line line) {
        kept = new CommandBytes(settings.maxCommandLength());
        begin(head, Route.PROXY, line);
    }

    void begin(final CommandHead head, final Route route, final ImapFrame.Line line) {
        commands.begin(head.tag(), head.name(), route);
        if (route == Route.FORWARD && commands.outstanding() >= ImapProxySession.MAX_OUTSTANDING) {
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
            client.tooBig("Literal");
            return;
        }
        switch (next) {
            case LITERAL -> client.decoder().expectLiteral(commands.literalLength());
            case PROXY_CONTINUATION -> {
                client.reply("+ Ready for literal data\r\n", null);
                client.decoder().expectLiteral(commands.literalLength());
            }
            case WAIT_FOR_SERVER -> {
                if (commands.state() == ClientCommandTracker.State.AWAITING_AUTHENTICATE_CONTINUATION) {
                    logins.authenticateSent();
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
            case DISCARD -> client.reply(refusal, null);
            case PROXY -> {
                switch (commands.name()) {
                    case "ID" -> forwardId(tag, bytes);
                    case "LOGIN" -> logins.forwardLogin(tag, bytes);
                    default -> registrations.answer(tag, bytes);
                }
            }
            default -> {
            }
        }
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

    private void forwardId(final String tag, final byte[] command) {
        final Optional<String> rewritten = command == null ? Optional.empty() : ClientIdCommand.rewrite(command);
        if (rewritten.isEmpty()) {
            client.reply(tag + " BAD Invalid ID arguments\r\n", null);
            return;
        }
        commands.forwardedByProxy(tag);
        upstream.writeAndFlush(Unpooled.copiedBuffer(rewritten.get(), StandardCharsets.UTF_8));
    }

    // ---- waiting until nothing is outstanding --------------------------------------------------------------------

    /** Whether nothing is outstanding at the server: no command of the client's, none of the proxy's. */
    boolean quiet() {
        return commands.outstanding() == 0 && !own.busy();
    }

    /** Runs {@code action} now when quiet, else once it is. */
    void whenQuiet(final Runnable action) {
        if (quiet()) {
            action.run();
        } else {
            whenQuiet = action;
        }
    }

    /** Reads this first line of a command again, as new, once nothing is outstanding; the client is held till then. */
    void deferUntilQuiet(final ImapFrame.Line line) {
        deferredLine = line;
        gate.hold(Reason.QUIET);
        whenQuiet = () -> {
            final ImapFrame.Line waited = deferredLine;
            deferredLine = null;
            gate.release(Reason.QUIET);
            newCommand(waited);
        };
    }

    /** The server answered something: what waits for quiet runs, once, if it is quiet now. */
    void runIfQuiet() {
        if (whenQuiet != null && quiet()) {
            final Runnable waiting = whenQuiet;
            whenQuiet = null;
            waiting.run();
        }
    }

    /** The session ended: a line that waited is dropped. */
    void close() {
        if (deferredLine != null) {
            deferredLine.release();
            deferredLine = null;
        }
    }
}
