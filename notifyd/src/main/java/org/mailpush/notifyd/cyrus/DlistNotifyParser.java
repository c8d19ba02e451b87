package org.mailpush.notifyd.cyrus;

import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one notification of Cyrus's stream mode ({@code notifysocket: dlist:/path}): a dlist such as
 *
 * <pre>NOTIFY %(METHOD pusher CLASS EVENT PRIORITY NIL USER NIL MAILBOX NIL OPTIONS () MESSAGE {272+}\r\n
 * {"event":"MessageNew",...} FILEPATH NIL)\r\n</pre>
 *
 * <p>into the same {@link NotifyDatagram} the datagram mode gives, so the event parsing after it is shared. Values
 * are atoms, {@code NIL}, quoted strings, literals ({@code {n}} or {@code {n+}} then CRLF and n bytes), lists
 * {@code (...)} and key-value lists {@code %(...)}; nesting is bounded. Stateless and thread-safe.</p>
 */
final class DlistNotifyParser {

    private static final int MAX_DEPTH = 8;
    private static final int MAX_ITEMS = 1000;

    private final int maxBytes;

    DlistNotifyParser(final int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A parsed dlist value: a string ({@code null} for NIL), a list, or a key-value list. */
    private sealed interface Value permits Text, Items, Pairs {
    }

    private record Text(String text) implements Value {
    }

    private record Items(List<Value> items) implements Value {
    }

    private record Pairs(Map<String, Value> pairs) implements Value {
    }

    /**
     * @param frame one whole notification, ending in CRLF (as {@code DlistFrameDecoder} cuts them)
     * @throws BadInputException naming what is wrong
     */
    NotifyDatagram parse(final byte[] frame) throws BadInputException {
        if (frame.length > maxBytes) {
            throw new BadInputException(BadInputKind.TOO_LARGE, "notification of more than " + maxBytes
                    + " bytes (" + frame.length + ")");
        }
        final Cursor cursor = new Cursor(frame);
        final String name = cursor.atom();
        if (!"NOTIFY".equals(name)) {
            throw new BadInputException(BadInputKind.BAD_VALUE, "a dlist notification starts with NOTIFY, not \""
                    + abbreviate(name) + "\"");
        }
        cursor.expect(' ');
        final Value body = cursor.value(0);
        if (!(body instanceof Pairs pairs)) {
            throw new BadInputException(BadInputKind.BAD_VALUE, "NOTIFY must carry a key-value list %(...)");
        }
        cursor.expect('\r');
        cursor.expect('\n');
        if (cursor.remaining() > 0) {
            throw new BadInputException(BadInputKind.BAD_VALUE, cursor.remaining() + " bytes after the notification");
        }
        final Map<String, Value> fields = pairs.pairs();
        final List<String> options = new ArrayList<>();
        final Value optionValue = fields.get("OPTIONS");
        if (optionValue instanceof Items items) {
            for (final Value item : items.items()) {
                if (!(item instanceof Text text) || text.text() == null) {
                    throw new BadInputException(BadInputKind.BAD_VALUE, "OPTIONS must be a list of strings");
                }
                options.add(text.text());
            }
        } else if (optionValue != null && !(optionValue instanceof Text text && text.text() == null)) {
            throw new BadInputException(BadInputKind.BAD_VALUE, "OPTIONS must be a list");
        }
        return new NotifyDatagram(required(fields, "METHOD"), required(fields, "CLASS"), optional(fields, "PRIORITY"),
                optional(fields, "USER"), optional(fields, "MAILBOX"), options, required(fields, "MESSAGE"),
                fields.get("FILEPATH") == null ? null : nullableText(fields, "FILEPATH"));
    }

    private static String required(final Map<String, Value> fields, final String key) throws BadInputException {
        final String text = nullableText(fields, key);
        if (text == null) {
            throw new BadInputException(BadInputKind.MISSING_FIELD, "NOTIFY has no " + key);
        }
        return text;
    }

    private static String optional(final Map<String, Value> fields, final String key) throws BadInputException {
        final String text = nullableText(fields, key);
        return text == null ? "" : text;
    }

    private static String nullableText(final Map<String, Value> fields, final String key) throws BadInputException {
        final Value value = fields.get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Text text)) {
            throw new BadInputException(BadInputKind.BAD_VALUE, key + " must be a string, not a list");
        }
        return text.text();
    }

    private static String abbreviate(final String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /** Reads the grammar above from bytes, refusing anything else with a message that says where. */
    private static final class Cursor {
        private final byte[] bytes;
        private int position;

        Cursor(final byte[] bytes) {
            this.bytes = bytes;
        }

        int remaining() {
            return bytes.length - position;
        }

        private int peek() throws BadInputException {
            if (position >= bytes.length) {
                throw new BadInputException(BadInputKind.TRUNCATED, "notification ends at byte " + position
                        + " in the middle of a value");
            }
            return bytes[position] & 0xff;
        }

        void expect(final char c) throws BadInputException {
            if (peek() != c) {
                throw new BadInputException(BadInputKind.BAD_VALUE, "expected " + describe(c) + " at byte "
                        + position + ", found " + describe((char) peek()));
            }
            position++;
        }

        private static String describe(final char c) {
            return switch (c) {
                case '\r' -> "CR";
                case '\n' -> "LF";
                case ' ' -> "a space";
                default -> c < 32 || c > 126 ? String.format("byte 0x%02x", (int) c) : "'" + c + "'";
            };
        }

        String atom() throws BadInputException {
            final int start = position;
            while (position < bytes.length && isAtomByte(bytes[position] & 0xff)) {
                position++;
            }
            if (position == start) {
                throw new BadInputException(BadInputKind.BAD_VALUE, "expected a name at byte " + start);
            }
            return new String(bytes, start, position - start, StandardCharsets.US_ASCII);
        }

        private static boolean isAtomByte(final int b) {
            return b > 32 && b < 127 && b != '(' && b != ')' && b != '{' && b != '%' && b != '"' && b != '\\';
        }

        Value value(final int depth) throws BadInputException {
            if (depth > MAX_DEPTH) {
                throw new BadInputException(BadInputKind.BAD_VALUE, "lists nested deeper than " + MAX_DEPTH);
            }
            final int c = peek();
            if (c == '%') {
                position++;
                expect('(');
                final Map<String, Value> pairs = new LinkedHashMap<>();
                while (peek() != ')') {
                    if (!pairs.isEmpty()) {
                        expect(' ');
                    }
                    final String key = atom();
                    expect(' ');
                    pairs.put(key, value(depth + 1));
                    if (pairs.size() > MAX_ITEMS) {
                        throw new BadInputException(BadInputKind.TOO_LARGE, "more than " + MAX_ITEMS + " keys");
                    }
                }
                position++;
                return new Pairs(pairs);
            }
            if (c == '(') {
                position++;
                final List<Value> items = new ArrayList<>();
                while (peek() != ')') {
                    if (!items.isEmpty()) {
                        expect(' ');
                    }
                    items.add(value(depth + 1));
                    if (items.size() > MAX_ITEMS) {
                        throw new BadInputException(BadInputKind.TOO_LARGE, "more than " + MAX_ITEMS + " items");
                    }
                }
                position++;
                return new Items(items);
            }
            if (c == '"') {
                return new Text(quoted());
            }
            if (c == '{') {
                return new Text(literal());
            }
            final String atom = atom();
            return new Text("NIL".equals(atom) ? null : atom);
        }

        private String quoted() throws BadInputException {
            position++;
            final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (true) {
                final int b = peek();
                position++;
                if (b == '"') {
                    return utf8(out.toByteArray());
                }
                if (b == '\\') {
                    out.write(peek());
                    position++;
                } else if (b == '\r' || b == '\n') {
                    throw new BadInputException(BadInputKind.BAD_VALUE, "line break inside a quoted string");
                } else {
                    out.write(b);
                }
            }
        }

        private String literal() throws BadInputException {
            position++;
            final int start = position;
            while (Character.isDigit(peek())) {
                position++;
                if (position - start > 9) {
                    throw new BadInputException(BadInputKind.TOO_LARGE, "literal length has more than 9 digits");
                }
            }
            if (position == start) {
                throw new BadInputException(BadInputKind.BAD_VALUE, "a literal needs a length: {n} or {n+}");
            }
            final int length = Integer.parseInt(new String(bytes, start, position - start,
                    StandardCharsets.US_ASCII));
            if (peek() == '+') {
                position++;
            }
            expect('}');
            expect('\r');
            expect('\n');
            if (length > remaining()) {
                throw new BadInputException(BadInputKind.TRUNCATED, "literal of " + length + " bytes, only "
                        + remaining() + " follow");
            }
            final byte[] content = java.util.Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            return utf8(content);
        }

        private static String utf8(final byte[] content) throws BadInputException {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
            } catch (final CharacterCodingException e) {
                throw new BadInputException(BadInputKind.NOT_UTF8, "a value is not valid UTF-8");
            }
        }
    }
}
