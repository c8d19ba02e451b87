package org.mailpush.imap.proxy;

import org.mailpush.imap.codec.CapabilityRewriter;

import java.util.ArrayList;
import java.util.List;

/**
 * What the client is told the session can do: the server's capabilities, plus XAPPLEPUSHSERVICE (the proxy answers
 * it), plus COMPRESS=DEFLATE when offered (the proxy compresses the client's leg), plus STARTTLS on the plain
 * listener until TLS is up (the proxy does it) and LOGINDISABLED while logins are refused in plain text; minus what
 * cannot pass through the proxy (the server's COMPRESS, which would hide the upstream stream from it;
 * UNAUTHENTICATE, which would let a session change users), the server's own STARTTLS and LOGINDISABLED, and every
 * AUTH= while logins are refused. Immutable.
 */
final class CapabilityPolicy {

    private static final String PUSH = "XAPPLEPUSHSERVICE";

    private final boolean implicitTls;
    private final boolean canStartTls;
    private final boolean allowPlainLogin;
    private final boolean compress;

    CapabilityPolicy(final boolean implicitTls, final boolean canStartTls, final boolean allowPlainLogin,
                     final boolean compress) {
        this.implicitTls = implicitTls;
        this.canStartTls = canStartTls;
        this.allowPlainLogin = allowPlainLogin;
        this.compress = compress;
    }

    /** A response line stating capabilities, rewritten for a client whose connection is TLS or not. */
    String rewrite(final String line, final boolean clientTls) {
        final boolean loginDisabled = !clientTls && !allowPlainLogin;
        final List<String> add = new ArrayList<>();
        add.add(PUSH);
        if (compress) {
            add.add(ClientCompression.CAPABILITY);
        }
        if (!implicitTls && !clientTls && canStartTls) {
            add.add("STARTTLS");
        }
        if (loginDisabled) {
            add.add("LOGINDISABLED");
        }
        return new CapabilityRewriter(add, capability -> capability.startsWith("COMPRESS=")
                || capability.equals("STARTTLS") || capability.equals("LOGINDISABLED")
                || capability.equals("UNAUTHENTICATE")
                || loginDisabled && capability.startsWith("AUTH=")).rewrite(line);
    }
}
