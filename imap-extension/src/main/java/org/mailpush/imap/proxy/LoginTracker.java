package org.mailpush.imap.proxy;

import org.mailpush.imap.codec.ImapReader;
import org.mailpush.imap.codec.ImapSyntaxException;
import org.mailpush.imap.codec.ImapToken;
import org.mailpush.imap.codec.SaslUsernames;

import java.util.Objects;

/**
 * The only place the proxy learns who the session belongs to. A LOGIN or AUTHENTICATE is sent to the server only
 * when nothing else is outstanding and the client is read no further until the server answers it, so the server's
 * tagged answer with the login's tag is the answer to that login and nothing else. The user becomes the session's
 * only on that answer's {@code OK}, and never changes after: a second login is refused before it reaches the server.
 *
 * <p>The user is the one the server logs in: for LOGIN its first argument; for SASL the authorization identity
 * when the client gives one (PLAIN's authzid, SCRAM's and OAUTHBEARER's {@code a=}), else the authentication
 * identity ({@link SaslUsernames}). Mechanisms that name nobody (EXTERNAL, GSSAPI, ...) leave the session
 * authenticated without a user: push is then unavailable in it.</p>
 *
 * <p>Not thread-safe: one per session, on the session's event loop.</p>
 */
final class LoginTracker {

    /** What the server's answer to a login did. */
    enum Outcome {
        /** The answer was not to the pending login. */
        NOT_A_LOGIN,
        /** The server refused the login. */
        REFUSED,
        /** The server accepted the login; {@link #user()} is set (or {@code null} when the mechanism hid it). */
        LOGGED_IN
    }

    private boolean authenticated;
    private String user;

    private String pendingTag;
    private String pendingMechanism;
    private String pendingUser;
    private boolean responseSeen;

    boolean authenticated() {
        return authenticated;
    }

    /** The user the server accepted, {@code null} before login or when the mechanism does not say. */
    String user() {
        return user;
    }

    /** Whether a login awaits the server's answer. */
    boolean pending() {
        return pendingTag != null;
    }

    /** The server's greeting was PREAUTH: authenticated, and nobody the proxy can name. */
    void preauthenticated() {
        authenticated = true;
    }

    /**
     * A LOGIN or AUTHENTICATE was sent to the server.
     *
     * @param mechanism the SASL mechanism of an AUTHENTICATE (for SASL responses and messages), or a name for the
     *                  LOGIN command (for messages only)
     * @param named     the user the command names so far ({@code null} when it does not, yet)
     */
    void sent(final String tag, final String mechanism, final String named) {
        if (authenticated || pendingTag != null) {
            throw new IllegalStateException("a login while " + (authenticated ? "authenticated" : "one is pending"));
        }
        pendingTag = Objects.requireNonNull(tag, "tag");
        pendingMechanism = mechanism;
        pendingUser = named;
        responseSeen = false;
    }

    /** A client SASL response of the pending AUTHENTICATE (base64, or {@code *} to cancel). */
    void saslResponse(final String base64) {
        if (pendingTag == null || responseSeen) {
            return;
        }
        responseSeen = true;
        if (pendingUser == null && !base64.equals("*")) {
            pendingUser = SaslUsernames.fromFirstResponse(pendingMechanism, base64).orElse(null);
        }
    }

    /** The mechanism of the pending login, for messages. */
    String pendingMechanism() {
        return pendingMechanism;
    }

    /** The server's tagged answer with {@code tag}; {@code ok} when it was {@code OK}. */
    Outcome answered(final String tag, final boolean ok) {
        if (pendingTag == null || !pendingTag.equals(tag)) {
            return Outcome.NOT_A_LOGIN;
        }
        pendingTag = null;
        if (!ok) {
            pendingUser = null;
            return Outcome.REFUSED;
        }
        authenticated = true;
        user = pendingUser;
        pendingUser = null;
        return Outcome.LOGGED_IN;
    }

    /**
     * The user a whole LOGIN command names (its first argument, in any string form), {@code null} for none, or when
     * its bytes are not UTF-8: decoded with replacement characters it would not be the name the server logged in.
     */
    static String userOfLoginCommand(final byte[] command) {
        if (command == null) {
            return null;
        }
        try {
            final ImapReader reader = new ImapReader(command, 0, command.length,
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            reader.next();
            reader.next();
            final ImapToken user = reader.next();
            if (!user.isString() || user.text().isEmpty()) {
                return null;
            }
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(user.text().getBytes(
                            java.nio.charset.StandardCharsets.ISO_8859_1)))
                    .toString();
        } catch (final ImapSyntaxException | java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
