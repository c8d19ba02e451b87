package org.mailpush.imap.codec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Reads the tokens of one IMAP command or response (RFC 3501 §9, RFC 7888) from its bytes as they came over the
 * wire: lines ending in CRLF, and literals ({@code {n}} or {@code {n+}} then CRLF then n bytes) inline. Not
 * thread-safe; one reader per command.
 */
public final class ImapReader {

    private final byte[] bytes;
    private final int end;
    private final Charset charset;
    private int position;

    /** Strings decoded as UTF-8. */
    public ImapReader(final byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    public ImapReader(final byte[] bytes, final int offset, final int length) {
        this(bytes, offset, length, StandardCharsets.UTF_8);
    }

    /**
     * @param charset how strings are decoded: {@link StandardCharsets#ISO_8859_1} keeps every byte as one char, for
     *                text that is written on as it came (a password)
     */
    public ImapReader(final byte[] bytes, final int offset, final int length, final Charset charset) {
        this.bytes = bytes;
        this.position = offset;
        this.end = offset + length;
        this.charset = charset;
    }

    /** The next token; {@link ImapToken.Type#END} at the final CRLF (or the end of the bytes). */
    public ImapToken next() throws ImapSyntaxException {
        skipSpaces();
        if (atEnd()) {
            return ImapToken.END;
        }
        final byte b = bytes[position];
        switch (b) {
            case '(':
                position++;
                return ImapToken.LIST_START;
            case ')':
                position++;
                return ImapToken.LIST_END;
            case '"':
                return new ImapToken(ImapToken.Type.QUOTED, quoted());
            case '{':
                return new ImapToken(ImapToken.Type.LITERAL, literal());
            default:
                return new ImapToken(ImapToken.Type.ATOM, atom());
        }
    }

    /** Whether only the final CRLF (or nothing) is left. */
    public boolean atEnd() {
        skipSpaces();
        return position >= end || bytes[position] == '\r' && position + 1 < end && bytes[position + 1] == '\n'
                && position + 2 == end || bytes[position] == '\r' && position + 1 == end
                || bytes[position] == '\n' && position + 1 == end;
    }

    private void skipSpaces() {
        while (position < end && bytes[position] == ' ') {
            position++;
        }
    }

    private String atom() throws ImapSyntaxException {
        final int start = position;
        int brackets = 0;
        while (position < end) {
            final byte b = bytes[position];
            // Inside a response code or a BODY[...] section, spaces and parentheses belong to the atom.
            if (b == '[') {
                brackets++;
            } else if (b == ']' && brackets > 0) {
                brackets--;
            } else if (brackets == 0 && (b == ' ' || b == '(' || b == ')')) {
                break;
            }
            if (b == '\r' || b == '\n') {
                break;
            }
            // bytes are signed: 8-bit ones (negative) are not controls
            if (b >= 0 && b < 0x20 || b == 0x7f || b == '"' || b == '{' && position == start) {
                throw new ImapSyntaxException("character 0x" + Integer.toHexString(b & 0xff) + " in an atom at byte "
                        + position);
            }
            position++;
        }
        if (position == start) {
            throw new ImapSyntaxException("an atom was expected at byte " + position);
        }
        return new String(bytes, start, position - start, charset);
    }

    private String quoted() throws ImapSyntaxException {
        final int start = position++;
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (position < end) {
            final byte b = bytes[position++];
            if (b == '"') {
                return out.toString(charset);
            }
            if (b == '\\') {
                if (position >= end) {
                    break;
                }
                final byte escaped = bytes[position++];
                if (escaped != '"' && escaped != '\\') {
                    throw new ImapSyntaxException("bad escape \\" + (char) escaped + " in a quoted string");
                }
                out.write(escaped);
            } else if (b == '\r' || b == '\n') {
                break;
            } else {
                out.write(b);
            }
        }
        throw new ImapSyntaxException("the quoted string started at byte " + start + " is not closed");
    }

    private String literal() throws ImapSyntaxException {
        final int start = position;
        position++;
        long length = 0;
        int digits = 0;
        while (position < end && bytes[position] >= '0' && bytes[position] <= '9') {
            length = length * 10 + (bytes[position] - '0');
            if (length > Integer.MAX_VALUE) {
                throw new ImapSyntaxException("literal at byte " + start + " is too large");
            }
            position++;
            digits++;
        }
        if (position < end && bytes[position] == '+') {
            position++;
        }
        // CRLF after the marker, or a bare LF, which servers accept and the proxy's framing does too.
        final boolean crlf = position + 3 <= end && bytes[position] == '}' && bytes[position + 1] == '\r'
                && bytes[position + 2] == '\n';
        final boolean lf = position + 2 <= end && bytes[position] == '}' && bytes[position + 1] == '\n';
        if (digits == 0 || !crlf && !lf) {
            throw new ImapSyntaxException("bad literal marker at byte " + start);
        }
        position += crlf ? 3 : 2;
        if (position + length > end) {
            throw new ImapSyntaxException("literal of " + length + " bytes at byte " + start + " is cut short");
        }
        final String value = new String(bytes, position, (int) length, charset);
        position += (int) length;
        return value;
    }
}
