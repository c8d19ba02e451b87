package org.mailpush.imap.proxy;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The server's half of the conversation: where each response starts and ends, what kind it is, and which of its
 * lines announce a literal. Only a data response ({@code * 12 FETCH ...}, {@code * LIST ...}) can carry literals
 * (RFC 9051 §7): a status response ({@code * OK ...}, {@code tag NO ...}) and a continuation request ({@code + ...})
 * end at their CRLF whatever text they end in, so a server that echoes {@code {20}} at the end of an error text (a
 * mailbox name chosen by the client, say) does not make the proxy read the next 20 bytes as a literal.
 *
 * <p>Between two responses the stream is at a <em>boundary</em>: the only place the proxy may write a response of
 * its own to the client (never inside a literal or a line the server is still sending).</p>
 *
 * <p>A pure state machine, no I/O. Not thread-safe: one per upstream connection, on the session's event loop.</p>
 */
final class ServerResponseTracker {

    /** What a response is, from its first bytes. */
    enum Kind {
        /** {@code + ...}: the server waits for the client. */
        CONTINUATION,
        /** {@code * OK|NO|BAD|BYE|PREAUTH ...}. */
        UNTAGGED_STATUS,
        /** {@code tag OK|NO|BAD ...}. */
        TAGGED_STATUS,
        /** Any other {@code * ...}: data, the only kind with literals. */
        DATA
    }

    /**
     * The response a line belongs to.
     *
     * @param tag    the tag of a tagged status, else {@code null}
     * @param status {@code OK}, {@code NO}, {@code BAD}, {@code BYE} or {@code PREAUTH} for status responses, the
     *               data response's name ({@code CAPABILITY}, {@code LIST}, or the word after a number:
     *               {@code FETCH}, {@code EXISTS}) for data, {@code null} for a continuation
     */
    record Response(Kind kind, String tag, String status) {

        boolean ok() {
            return "OK".equals(status);
        }
    }

    /** What the session must do after a line. */
    enum Next {
        /** The response goes on: its next line (a long line's next part) follows. */
        CONTINUES,
        /** Literal bytes follow now, {@link #literalLength()} of them. */
        LITERAL,
        /** The response is complete: the stream is at a boundary. */
        COMPLETE
    }

    private Response current;
    private boolean complete = true;
    private boolean inLongLine;
    private boolean inLiteral;
    private long literalLength;

    /** Whether no response is in progress. */
    boolean atBoundary() {
        return complete;
    }

    /** The response in progress, or the one the last line completed; {@code null} before the first. */
    Response current() {
        return current;
    }

    long literalLength() {
        return literalLength;
    }

    /**
     * Classifies a line of the server's stream (a whole line, or a part of a long one) and says what follows it.
     * The response it belongs to is {@link #current()} until the next line starts another one.
     */
    Next line(final ImapFrame.Line line) {
        if (inLiteral) {
            throw new IllegalStateException("a line while literal bytes were due");
        }
        if (complete) {
            current = classify(line.content());
            complete = false;
        }
        if (!line.endsLine()) {
            inLongLine = true;
            return Next.CONTINUES;
        }
        inLongLine = false;
        if (current.kind() == Kind.DATA && line.announcesLiteral()) {
            literalLength = line.literalLength();
            inLiteral = literalLength > 0;
            return inLiteral ? Next.LITERAL : Next.CONTINUES;
        }
        complete = true;
        return Next.COMPLETE;
    }

    /** Literal bytes were read; {@code last} when the literal ends with them (the response's next line follows). */
    void literalRead(final boolean last) {
        if (!inLiteral) {
            throw new IllegalStateException("literal bytes when none were due");
        }
        if (last) {
            inLiteral = false;
        }
    }

    /** Whether literal bytes are due. */
    boolean inLiteral() {
        return inLiteral;
    }

    /** Whether a long line is being passed on in parts. */
    boolean inLongLine() {
        return inLongLine;
    }

    /** Reads the kind of a response from its first bytes (its first line, or the first part of one). */
    static Response classify(final ByteBuf content) {
        final int start = content.readerIndex();
        final int end = content.writerIndex();
        if (start < end && content.getByte(start) == '+') {
            return new Response(Kind.CONTINUATION, null, null);
        }
        final int firstEnd = wordEnd(content, start, end);
        final int secondStart = Math.min(firstEnd + 1, end);
        final int secondEnd = wordEnd(content, secondStart, end);
        final String second = upper(content, secondStart, secondEnd);
        if (firstEnd - start == 1 && content.getByte(start) == '*') {
            switch (second) {
                case "OK", "NO", "BAD", "BYE", "PREAUTH" -> {
                    return new Response(Kind.UNTAGGED_STATUS, null, second);
                }
                default -> {
                    if (!second.isEmpty() && second.chars().allMatch(Character::isDigit)) {
                        // "* 12 FETCH ...": the name is the third word.
                        final int thirdStart = Math.min(secondEnd + 1, end);
                        return new Response(Kind.DATA, null, upper(content, thirdStart,
                                wordEnd(content, thirdStart, end)));
                    }
                    return new Response(Kind.DATA, null, second);
                }
            }
        }
        // A tagged status; anything else a server sends (it should not) ends at its CRLF too.
        return new Response(Kind.TAGGED_STATUS, content.toString(start, firstEnd - start, StandardCharsets.UTF_8),
                second);
    }

    /**
     * Where the word starting at {@code from} ends: at a space, CR, LF, or the end of what was read. Never shorter:
     * a tag cut short would be another tag, and the status word read from inside it another status.
     */
    private static int wordEnd(final ByteBuf content, final int from, final int end) {
        for (int i = from; i < end; i++) {
            final byte b = content.getByte(i);
            if (b == ' ' || b == '\r' || b == '\n') {
                return i;
            }
        }
        return end;
    }

    private static String upper(final ByteBuf content, final int from, final int to) {
        return to <= from ? "" : content.toString(from, to - from, StandardCharsets.ISO_8859_1).toUpperCase(
                Locale.ROOT);
    }
}
