package org.mailpush.imap.codec;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads who is logging in from what the client sends, for the mechanisms that say it: LOGIN, and AUTHENTICATE with
 * PLAIN, LOGIN, SCRAM-*, XOAUTH2 ({@code user=}) and OAUTHBEARER. The name is always the one the server logs the
 * session in as: the authorization identity when the client gives one (PLAIN's authzid, the GS2 header's {@code a=}
 * of SCRAM and OAUTHBEARER; a server lets an authcid act as another user only when configured to, e.g. Dovecot's
 * master users), else the authentication identity (PLAIN's authcid, SCRAM's {@code n=}). Other mechanisms (EXTERNAL,
 * GSSAPI, ...) do not reveal a name the proxy can trust to match the server's. Stateless.
 */
public final class SaslUsernames {

    private SaslUsernames() {
    }

    /** Whether the proxy can learn the user from this mechanism. */
    public static boolean revealsUser(final String mechanism) {
        final String upper = mechanism.toUpperCase(Locale.ROOT);
        return upper.equals("PLAIN") || upper.equals("LOGIN") || upper.startsWith("SCRAM-")
                || upper.equals("XOAUTH2") || upper.equals("OAUTHBEARER");
    }

    /**
     * The user in the first client response of {@code mechanism} (base64 as sent; {@code =} means empty).
     *
     * @return empty when the response does not name one or is not valid
     */
    public static Optional<String> fromFirstResponse(final String mechanism, final String base64) {
        final String decoded;
        try {
            decoded = base64.equals("=") ? "" : new String(Base64.getDecoder().decode(base64.trim()),
                    StandardCharsets.UTF_8);
        } catch (final IllegalArgumentException e) {
            return Optional.empty();
        }
        final String upper = mechanism.toUpperCase(Locale.ROOT);
        if (upper.equals("PLAIN")) {
            final String[] parts = decoded.split("\0", -1);
            if (parts.length != 3) {
                return Optional.empty();
            }
            return nonEmpty(parts[0].isEmpty() ? parts[1] : parts[0]);
        }
        if (upper.equals("LOGIN")) {
            return nonEmpty(decoded);
        }
        if (upper.startsWith("SCRAM-")) {
            // gs2-header "n," or "y," or "p=...," then optional "a=authzid" and ",", then "n=user,r=nonce"
            final String[] attributes = decoded.split(",", -1);
            if (attributes.length > 1 && attributes[1].startsWith("a=") && attributes[1].length() > 2) {
                return nonEmpty(saslName(attributes[1].substring(2)));
            }
            return onlyOne(java.util.Arrays.copyOfRange(attributes, Math.min(2, attributes.length),
                    attributes.length), "n=", true);
        }
        if (upper.equals("XOAUTH2")) {
            return onlyOne(decoded.split("\u0001"), "user=", false);
        }
        if (upper.equals("OAUTHBEARER")) {
            final int fields = decoded.indexOf('\u0001');
            final String gs2 = fields < 0 ? decoded : decoded.substring(0, fields);
            return onlyOne(gs2.split(","), "a=", true);
        }
        return Optional.empty();
    }

    /**
     * The value of the one field that starts with {@code prefix}. A message that names a user twice names nobody:
     * servers disagree on which one counts (Dovecot's OAuth2 mechanisms keep the last, a first-match reader the
     * first), and the proxy must never name a user other than the one the server logged in.
     */
    private static Optional<String> onlyOne(final String[] fields, final String prefix, final boolean saslName) {
        String found = null;
        for (final String field : fields) {
            if (field.startsWith(prefix)) {
                if (found != null) {
                    return Optional.empty();
                }
                found = field.substring(prefix.length());
            }
        }
        return found == null ? Optional.empty() : nonEmpty(saslName ? saslName(found) : found);
    }

    /** RFC 5802 saslname: {@code =2C} is a comma, {@code =3D} an equals sign. */
    private static String saslName(final String escaped) {
        return escaped.replace("=2C", ",").replace("=3D", "=");
    }

    private static Optional<String> nonEmpty(final String user) {
        return user == null || user.isEmpty() ? Optional.empty() : Optional.of(user);
    }
}
