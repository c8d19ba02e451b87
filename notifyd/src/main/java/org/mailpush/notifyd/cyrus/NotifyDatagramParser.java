package org.mailpush.notifyd.cyrus;

import org.mailpush.notifyd.intake.BadInputException;
import org.mailpush.notifyd.intake.BadInputKind;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Cyrus notify datagram into its NUL-terminated fields ({@link NotifyDatagram}). Pure and stateless:
 * safe from any thread.
 */
final class NotifyDatagramParser {

    /** Cyrus never sends more than 64 KiB (it drops larger events itself, see protocols.md §2). */
    static final int DEFAULT_MAX_BYTES = 65_536;

    /** Fields before the options: METHOD, CLASS, PRIORITY, USER, MAILBOX, NOPT. */
    private static final int FIXED_FIELDS = 6;
    /** More options than this is not something Cyrus sends; refusing bounds the work per datagram. */
    private static final int MAX_OPTIONS = 64;

    private final int maxBytes;

    NotifyDatagramParser(final int maxBytes) {
        if (maxBytes < 64) {
            throw new IllegalArgumentException("maxBytes must be at least 64, not " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    int maxBytes() {
        return maxBytes;
    }

    /**
     * Parses one datagram.
     *
     * @throws BadInputException naming what is wrong: too large, no NULs, not UTF-8, truncated, bad option count
     */
    NotifyDatagram parse(final byte[] datagram) throws BadInputException {
        if (datagram.length > maxBytes) {
            throw new BadInputException(BadInputKind.TOO_LARGE,
                    "datagram of more than " + maxBytes + " bytes (" + datagram.length + " read)");
        }
        if (datagram.length == 0) {
            throw new BadInputException(BadInputKind.TRUNCATED, "empty datagram");
        }
        final List<String> fields = new ArrayList<>(8);
        final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        for (int i = 0; i < datagram.length; i++) {
            if (datagram[i] == 0) {
                fields.add(decode(utf8, datagram, start, i, fields.size()));
                start = i + 1;
            }
        }
        if (fields.isEmpty()) {
            throw new BadInputException(BadInputKind.NO_NUL,
                    "no NUL separators in " + datagram.length + " bytes: not the Cyrus notify format");
        }
        if (start != datagram.length) {
            throw new BadInputException(BadInputKind.TRUNCATED,
                    "datagram does not end with NUL after field " + (fields.size() + 1) + ": truncated");
        }
        if (fields.size() < FIXED_FIELDS + 1) {
            throw new BadInputException(BadInputKind.TRUNCATED,
                    "datagram has " + fields.size() + " fields, at least " + (FIXED_FIELDS + 1)
                            + " expected (METHOD CLASS PRIORITY USER MAILBOX NOPT MESSAGE)");
        }
        final int optionCount;
        try {
            optionCount = Integer.parseInt(fields.get(5));
        } catch (final NumberFormatException e) {
            throw new BadInputException(BadInputKind.BAD_OPTION_COUNT,
                    "option count (field 6) is not a number: " + abbreviate(fields.get(5)));
        }
        if (optionCount < 0 || optionCount > MAX_OPTIONS) {
            throw new BadInputException(BadInputKind.BAD_OPTION_COUNT,
                    "option count " + optionCount + " is outside 0.." + MAX_OPTIONS);
        }
        final int messageIndex = FIXED_FIELDS + optionCount;
        if (fields.size() <= messageIndex) {
            throw new BadInputException(BadInputKind.TRUNCATED,
                    "datagram announces " + optionCount + " options but ends before its MESSAGE field");
        }
        if (fields.size() > messageIndex + 2) {
            throw new BadInputException(BadInputKind.BAD_OPTION_COUNT, "datagram has " + fields.size()
                    + " fields, more than the " + (messageIndex + 2) + " that " + optionCount + " options allow");
        }
        return new NotifyDatagram(fields.get(0), fields.get(1), fields.get(2), fields.get(3), fields.get(4),
                fields.subList(FIXED_FIELDS, messageIndex), fields.get(messageIndex),
                fields.size() > messageIndex + 1 ? fields.get(messageIndex + 1) : null);
    }

    private static String decode(final CharsetDecoder utf8, final byte[] bytes, final int from, final int to,
                                 final int index) throws BadInputException {
        if (ascii(bytes, from, to)) {
            // Nearly every field Cyrus sends is ASCII: one copy into a compact string, no decoder buffers.
            return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(bytes, from, to - from)).toString();
        } catch (final CharacterCodingException e) {
            throw new BadInputException(BadInputKind.NOT_UTF8, "field " + (index + 1) + " is not valid UTF-8");
        }
    }

    private static boolean ascii(final byte[] bytes, final int from, final int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    static String abbreviate(final String text) {
        final String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 40 ? "\"" + oneLine + "\"" : "\"" + oneLine.substring(0, 40) + "...\"";
    }
}
