package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.mailpush.imap.proxy.ClientCommandTracker.Route;
import static org.mailpush.imap.proxy.ClientReadGate.Reason;

/**
 * LOGIN and AUTHENTICATE on their way to the server. One login per session, never a second; only under TLS unless
 * plain login is allowed; sent only when nothing else is outstanding (it waits, and the client with it, until then),
 * so that the server's next tagged answer is the login's ({@link LoginTracker}). LOGIN is read whole and sent as a
 * line of the proxy's own ({@link PreLoginCommands#login}), the client read no further until its answer;
 * AUTHENTICATE passes as a mechanism and base64, then one base64 response per challenge, or {@code *}.
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class LoginCommands {

    private final ClientCommandReader reader;
    private final ImapProxySettings settings;
    private final ProxyCounters counters;
    private final ClientCommandTracker commands;
    private final LoginTracker login;
    private final ClientLeg client;
    private final ClientReadGate gate;
    private final UpstreamLeg upstream;

    private String authenticateMechanism;
    private String authenticateInitialResponse;

    LoginCommands(final ClientCommandReader reader, final ImapProxySettings settings, final ProxyCounters counters,
                  final ClientCommandTracker commands, final LoginTracker login, final ClientLeg client,
                  final UpstreamLeg upstream) {
        this.reader = reader;
        this.settings = settings;
        this.counters = counters;
        this.commands = commands;
        this.login = login;
        this.client = client;
        this.gate = client.gate();
        this.upstream = upstream;
    }

    /** The first line of a LOGIN or AUTHENTICATE. */
    void login(final ImapFrame.Line line, final CommandHead head) {
        if (login.authenticated() || login.pending()) {
            // The user never changes once the server accepted one: refused here, never sent.
            counters.protocolViolation();
            reader.refuse(line, head, head.tag() + " BAD Already logged in");
            return;
        }
        if (!client.tls() && !settings.allowPlainLogin()) {
            reader.refuse(line, head, head.tag()
                    + " NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in");
            return;
        }
        if (!reader.quiet()) {
            // A login must not share the wire with another command: the server's answer must be the login's.
            reader.deferUntilQuiet(line);
            return;
        }
        if (head.name().equals("LOGIN")) {
            // Read whole, then sent as a line of the proxy's own (PreLoginCommands.login).
            reader.keepWhole(head, line);
            return;
        }
        if (line.announcesLiteral() || !PreLoginCommands.authenticate(head.rest())) {
            counters.protocolViolation();
            reader.refuse(line, head, head.tag() + " BAD Invalid AUTHENTICATE arguments");
            return;
        }
        authenticateMechanism = CommandHead.asciiUpperCase(head.firstArgument());
        authenticateInitialResponse = head.secondArgument();
        reader.begin(head, Route.FORWARD, line);
    }

    /** Sends a LOGIN read whole as the proxy's own line; reads no further until the server answers it. */
    void forwardLogin(final String tag, final byte[] command) {
        final Optional<String> rewritten = command == null ? Optional.empty() : PreLoginCommands.login(command);
        if (rewritten.isEmpty()) {
            counters.protocolViolation();
            client.reply(tag + " BAD Invalid LOGIN arguments\r\n", null);
            return;
        }
        commands.forwardedByProxy(tag);
        login.sent(tag, "the LOGIN command", LoginTracker.userOfLoginCommand(command));
        gate.hold(Reason.LOGIN);
        upstream.writeAndFlush(Unpooled.copiedBuffer(rewritten.get(), StandardCharsets.ISO_8859_1));
    }

    /** The AUTHENTICATE is with the server: one client line per challenge until its answer, the tracker says. */
    void authenticateSent() {
        login.sent(commands.tag(), authenticateMechanism, null);
        if (!authenticateInitialResponse.isEmpty()) {
            login.saslResponse(authenticateInitialResponse);
        }
    }

    /** The client's line after a challenge of the server's. */
    void saslResponse(final ImapFrame.Line line) {
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
}
