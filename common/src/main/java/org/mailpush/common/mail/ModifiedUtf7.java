package org.mailpush.common.mail;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * IMAP's modified UTF-7 mailbox name encoding (RFC 3501 §5.1.3): printable ASCII stands for itself, {@code &} is
 * written {@code &-}, anything else is UTF-16BE in base64 with {@code ,} for {@code /} between {@code &} and
 * {@code -}.
 *
 * <p>Clients send XAPPLEPUSHSERVICE mailbox names in this form ({@code Entw&APw-rfe}) while Cyrus writes event URIs
 * in percent-encoded UTF-8 ({@code Entw%C3%BCrfe}); mailpush compares the decoded Unicode of both.</p>
 */
public final class ModifiedUtf7 {

    private static final Base64.Decoder DECODER = Base64.getDecoder();
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();

    private ModifiedUtf7() {
    }

    /**
     * Decodes a modified UTF-7 name.
     *
     * @throws IllegalArgumentException when {@code name} is not valid modified UTF-7 (an unterminated or malformed
     *                                  {@code &...-} section, or a character outside printable ASCII)
     */
    public static String decode(final String name) {
        final StringBuilder out = new StringBuilder(name.length());
        int i = 0;
        while (i < name.length()) {
            final char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("not modified UTF-7: character U+"
                        + String.format("%04X", (int) c) + " at " + i);
            }
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            final int end = name.indexOf('-', i + 1);
            if (end < 0) {
                throw new IllegalArgumentException("not modified UTF-7: '&' at " + i + " is never closed by '-'");
            }
            if (end == i + 1) {
                out.append('&');
            } else {
                out.append(decodeBase64(name.substring(i + 1, end), i));
            }
            i = end + 1;
        }
        return out.toString();
    }

    /** Decodes {@code name} when it is valid modified UTF-7, else returns it unchanged (a UTF-8 client's name). */
    public static String decodeOrKeep(final String name) {
        try {
            return decode(name);
        } catch (final IllegalArgumentException e) {
            return name;
        }
    }

    /** Encodes a Unicode name as modified UTF-7. */
    public static String encode(final String name) {
        final StringBuilder out = new StringBuilder(name.length() + 8);
        int i = 0;
        while (i < name.length()) {
            final char c = name.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                out.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int end = i;
            while (end < name.length() && (name.charAt(end) < 0x20 || name.charAt(end) > 0x7e)) {
                end++;
            }
            final byte[] utf16 = name.substring(i, end).getBytes(StandardCharsets.UTF_16BE);
            out.append('&').append(ENCODER.encodeToString(utf16).replace('/', ',')).append('-');
            i = end;
        }
        return out.toString();
    }

    private static String decodeBase64(final String section, final int position) {
        final byte[] bytes;
        try {
            bytes = DECODER.decode(section.replace(',', '/'));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("not modified UTF-7: bad base64 in the section at " + position, e);
        }
        if (bytes.length % 2 != 0) {
            throw new IllegalArgumentException("not modified UTF-7: odd UTF-16 length in the section at " + position);
        }
        try {
            final CharBuffer chars = StandardCharsets.UTF_16BE.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            final String decoded = chars.toString();
            for (int k = 0; k < decoded.length(); k++) {
                final char c = decoded.charAt(k);
                if (c >= 0x20 && c <= 0x7e) {
                    // RFC 3501: printable ASCII must never be base64-encoded; accepting it would give one name two
                    // forms.
                    throw new IllegalArgumentException("not modified UTF-7: encoded ASCII in the section at "
                            + position);
                }
            }
            return decoded;
        } catch (final CharacterCodingException e) {
            throw new IllegalArgumentException("not modified UTF-7: bad UTF-16 in the section at " + position, e);
        }
    }
}
