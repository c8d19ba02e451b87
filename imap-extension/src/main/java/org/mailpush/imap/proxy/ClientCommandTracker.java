package org.mailpush.imap.proxy;

import java.util.HashSet;
import java.util.Set;

/**
 * The client's half of the conversation as the upstream server sees it: which tagged commands are outstanding,
 * whether the next client bytes start a command, continue one, are literal data, end an IDLE or answer an
 * AUTHENTICATE challenge. The proxy reads the client only where this says the server would read it (RFC 9051
 * §2.2.1, §6.2.2, §6.3.13; RFC 7888), so what it parses and what the server executes never drift apart:
 * <ul>
 *   <li>a synchronizing literal {@code {n}} counts only after the server's {@code +}; a tagged answer before it
 *       (the server refused the literal) ends the command, and the next line is a new command;</li>
 *   <li>IDLE waits for the server's {@code +}; then exactly one client line, which must be {@code DONE}, ends it
 *       from the client's side, and the line after that is a command again;</li>
 *   <li>AUTHENTICATE: one client line per server {@code +}, until the server's tagged answer.</li>
 * </ul>
 *
 * <p>A pure state machine: no I/O, no Netty. The session feeds it what it reads and what the server answers, and
 * does what it says. Not thread-safe: one per session, on the session's event loop.</p>
 */
final class ClientCommandTracker {

    /** Where the client stream is. */
    enum State {
        /** The next line starts a new command. */
        COMMAND,
        /** A literal of the current command ended: the next line continues that command. */
        CONTINUES,
        /** Literal bytes of the current command are coming. */
        LITERAL,
        /** The current command announced a synchronizing literal; the server has not answered {@code +} yet. */
        AWAITING_LITERAL_CONTINUATION,
        /** IDLE was sent; the server has not answered {@code +} yet. */
        AWAITING_IDLE_CONTINUATION,
        /** IDLE is on: the next client line ends it. */
        IDLING,
        /** AUTHENTICATE is outstanding and the server has not asked for a response. */
        AWAITING_AUTHENTICATE_CONTINUATION,
        /** The server asked for the next SASL response: the next client line is it. */
        AUTHENTICATE_RESPONSE
    }

    /** What happens to the current command's bytes. */
    enum Route {
        /** Sent to the server, which answers it. */
        FORWARD,
        /** Kept and answered by the proxy (XAPPLEPUSHSERVICE, ID before it is rewritten): never sent as read. */
        PROXY,
        /** Refused by the proxy: its remaining bytes are read and dropped. */
        DISCARD
    }

    /** What the session must do after a line of the current command. */
    enum Next {
        /** The command is complete. */
        COMPLETE,
        /** Literal bytes follow now: put the decoder in literal mode for {@link #literalLength()} bytes. */
        LITERAL,
        /** The proxy answers the command's synchronizing literal itself: send {@code +}, then literal mode. */
        PROXY_CONTINUATION,
        /** Wait for the server: read nothing more from the client until its {@code +} or tagged answer. */
        WAIT_FOR_SERVER
    }

    private final Set<String> outstanding = new HashSet<>();
    private State state = State.COMMAND;
    private String tag;
    private String name;
    private Route route;
    private long literalLength;

    State state() {
        return state;
    }

    /** The tag of the command begun last (being read or awaited, or just completed). */
    String tag() {
        return tag;
    }

    /** The name of the command begun last, upper-cased. */
    String name() {
        return name;
    }

    /** The route of the command begun last. */
    Route route() {
        return route;
    }

    /** The length of the literal announced last. */
    long literalLength() {
        return literalLength;
    }

    /** Whether the server has yet to answer a forwarded command with this tag. */
    boolean isOutstanding(final String commandTag) {
        return outstanding.contains(commandTag);
    }

    /** How many forwarded commands the server has yet to answer. */
    int outstanding() {
        return outstanding.size();
    }

    /** Whether the client may be read now (the server is not being waited for). */
    boolean mayReadClient() {
        return state != State.AWAITING_LITERAL_CONTINUATION && state != State.AWAITING_IDLE_CONTINUATION
                && state != State.AWAITING_AUTHENTICATE_CONTINUATION;
    }

    /**
     * The first line of a new command was read (its tag and name, upper-cased). A forwarded command becomes
     * outstanding until the server's tagged answer.
     *
     * @throws IllegalStateException when the stream is not at a command, or a forwarded tag is outstanding (the
     *                               session refuses those with {@link Route#DISCARD} first)
     */
    void begin(final String commandTag, final String commandName, final Route commandRoute) {
        if (state != State.COMMAND) {
            throw new IllegalStateException("a command begins in state " + state);
        }
        if (commandRoute == Route.FORWARD && !outstanding.add(commandTag)) {
            throw new IllegalStateException("tag " + commandTag + " is outstanding");
        }
        tag = commandTag;
        name = commandName;
        route = commandRoute;
        literalLength = 0;
        state = State.CONTINUES;
    }

    /**
     * A line of the current command was read (its first, or one after a literal).
     *
     * @param literal       the length of the literal the line announces at its end, -1 for none
     * @param synchronizing whether that literal waits for a continuation ({@code {n}} rather than {@code {n+}})
     */
    Next lineRead(final long literal, final boolean synchronizing) {
        if (state != State.CONTINUES) {
            throw new IllegalStateException("a command line in state " + state);
        }
        if (literal < 0) {
            return complete();
        }
        literalLength = literal;
        if (synchronizing) {
            switch (route) {
                case FORWARD -> {
                    state = State.AWAITING_LITERAL_CONTINUATION;
                    return Next.WAIT_FOR_SERVER;
                }
                case PROXY -> {
                    state = literal == 0 ? State.CONTINUES : State.LITERAL;
                    return Next.PROXY_CONTINUATION;
                }
                default -> {
                    // Refused before its +: the client must not send the literal (RFC 9051 §7.5).
                    state = State.COMMAND;
                    return Next.COMPLETE;
                }
            }
        }
        state = literal == 0 ? State.CONTINUES : State.LITERAL;
        return Next.LITERAL;
    }

    /** Literal bytes of the current command were read; {@code last} when the literal ends with them. */
    void literalRead(final boolean last) {
        if (state != State.LITERAL) {
            throw new IllegalStateException("literal bytes in state " + state);
        }
        if (last) {
            state = State.CONTINUES;
        }
    }

    private Next complete() {
        if (route == Route.FORWARD && name.equals("IDLE")) {
            state = State.AWAITING_IDLE_CONTINUATION;
            return Next.WAIT_FOR_SERVER;
        }
        if (route == Route.FORWARD && name.equals("AUTHENTICATE")) {
            state = State.AWAITING_AUTHENTICATE_CONTINUATION;
            return Next.WAIT_FOR_SERVER;
        }
        state = State.COMMAND;
        return Next.COMPLETE;
    }

    /**
     * The server sent a continuation request ({@code +}). Tells whom it was for: {@link State#LITERAL} (literal
     * bytes follow, {@link #literalLength()} of them), {@link State#IDLING}, {@link State#AUTHENTICATE_RESPONSE};
     * or {@code null} when nothing waited for one (the session only relays it).
     */
    State serverContinuation() {
        switch (state) {
            case AWAITING_LITERAL_CONTINUATION -> state = literalLength == 0 ? State.CONTINUES : State.LITERAL;
            case AWAITING_IDLE_CONTINUATION -> state = State.IDLING;
            case AWAITING_AUTHENTICATE_CONTINUATION -> state = State.AUTHENTICATE_RESPONSE;
            default -> {
                return null;
            }
        }
        return state;
    }

    /**
     * The server answered a command with this tag. If it is the command being awaited (a synchronizing literal it
     * refused, an IDLE it refused or ended, an AUTHENTICATE it finished), the next client line is a new command.
     *
     * @return whether that changed the state
     */
    boolean serverTagged(final String answeredTag) {
        outstanding.remove(answeredTag);
        if (answeredTag.equals(tag) && (state == State.AWAITING_LITERAL_CONTINUATION
                || state == State.AWAITING_IDLE_CONTINUATION || state == State.IDLING
                || state == State.AWAITING_AUTHENTICATE_CONTINUATION || state == State.AUTHENTICATE_RESPONSE)) {
            state = State.COMMAND;
            return true;
        }
        return false;
    }

    /** The proxy sent the server a command of the client's it had kept and rewritten (ID): now outstanding. */
    void forwardedByProxy(final String commandTag) {
        outstanding.add(commandTag);
    }

    /** The client's line during IDLE was read: IDLE is over from the client's side (still outstanding). */
    void idleEnded() {
        if (state != State.IDLING) {
            throw new IllegalStateException("DONE in state " + state);
        }
        state = State.COMMAND;
    }

    /** The client's SASL response was read; the next one waits for the server's next {@code +}. */
    void authenticateResponseRead() {
        if (state != State.AUTHENTICATE_RESPONSE) {
            throw new IllegalStateException("a SASL response in state " + state);
        }
        state = State.AWAITING_AUTHENTICATE_CONTINUATION;
    }
}
