package org.mailpush.notifyd.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The secret an HTTP intake server requires from its senders, given as {@code Authorization: Bearer <secret>} or as
 * the password of HTTP Basic authentication (which is what Dovecot's HTTP client sends for a URL with
 * {@code user:secret@} in it, so the xaps plugin can carry it in {@code xaps_config = url=...}).
 *
 * <p>Compared in constant time over SHA-256 digests, so neither the content nor the length leaks through timing.
 * Immutable and thread-safe.</p>
 */
final class SharedSecret {

    private final byte[] digest;

    SharedSecret(final String secret) {
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("the shared secret is empty");
        }
        this.digest = sha256(secret);
    }

    /** Whether an {@code Authorization} header value carries this secret. */
    boolean accepts(final String authorization) {
        if (authorization == null) {
            return false;
        }
        final int space = authorization.indexOf(' ');
        if (space < 0) {
            return false;
        }
        final String scheme = authorization.substring(0, space);
        final String credentials = authorization.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return matches(credentials);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            final String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
            } catch (final IllegalArgumentException e) {
                return false;
            }
            final int colon = decoded.indexOf(':');
            return colon >= 0 && matches(decoded.substring(colon + 1));
        }
        return false;
    }

    private boolean matches(final String offered) {
        return MessageDigest.isEqual(digest, sha256(offered));
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
