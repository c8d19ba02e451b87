package org.mailpush.imap.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Rewrites the capability lists an IMAP server states, only where the grammar puts them (RFC 9051 §7.1, §7.2.2): a
 * {@code * CAPABILITY ...} response, and a {@code [CAPABILITY ...]} response code right after the status word of a
 * status response ({@code * OK [CAPABILITY ...]}, the greeting, {@code tag OK [CAPABILITY ...]}). Text that only
 * looks like one (a Subject in a FETCH, a mailbox name in a LIST, the text after a response code) is never touched.
 * It adds capabilities the proxy provides and removes those it cannot pass through.
 *
 * <p>Give it whole response lines only, as they start a response; the caller knows where responses start. Immutable
 * and thread-safe.</p>
 */
public final class CapabilityRewriter {

    private static final String CODE = "[CAPABILITY ";

    private final List<String> add;
    private final Predicate<String> remove;

    /**
     * @param add    capabilities to state when absent (in this order, at the end)
     * @param remove capabilities (upper-cased) to drop
     */
    public CapabilityRewriter(final List<String> add, final Predicate<String> remove) {
        this.add = List.copyOf(add);
        this.remove = remove;
    }

    /** The response line with its capability list rewritten, or the same line when it states none. */
    public String rewrite(final String line) {
        final int[] list = listSpan(line);
        if (list == null) {
            return line;
        }
        return line.substring(0, list[0]) + rewriteList(line.substring(list[0], list[1])) + line.substring(list[1]);
    }

    /** The capabilities a response line states, upper-cased; empty when it states none. */
    public static List<String> stated(final String line) {
        final int[] list = listSpan(line);
        if (list == null) {
            return List.of();
        }
        final List<String> capabilities = new ArrayList<>();
        for (final String capability : line.substring(list[0], list[1]).trim().split(" +")) {
            if (!capability.isEmpty()) {
                capabilities.add(capability.toUpperCase(Locale.ROOT));
            }
        }
        return capabilities;
    }

    /**
     * Where the capability list of a response line is, as {start, end}: after {@code "* CAPABILITY "} to the line
     * end, or inside {@code "[CAPABILITY ...]"} when that code directly follows {@code "* OK "} (NO, BAD, BYE,
     * PREAUTH) or {@code "<tag> OK "} (NO, BAD); {@code null} when the line states none.
     */
    static int[] listSpan(final String line) {
        final int first = line.indexOf(' ');
        if (first <= 0) {
            return null;
        }
        final int second = line.indexOf(' ', first + 1);
        final int lineEnd = line.endsWith("\r\n") ? line.length() - 2 : line.endsWith("\n") ? line.length() - 1
                : line.length();
        final boolean untagged = first == 1 && line.charAt(0) == '*';
        final String word = line.substring(first + 1, second < 0 ? lineEnd : second).toUpperCase(Locale.ROOT);
        if (untagged && word.equals("CAPABILITY")) {
            return second < 0 ? null : new int[]{second + 1, lineEnd};
        }
        final boolean status = word.equals("OK") || word.equals("NO") || word.equals("BAD")
                || untagged && (word.equals("BYE") || word.equals("PREAUTH"));
        if (!status || second < 0 || !line.regionMatches(true, second + 1, CODE, 0, CODE.length())) {
            return null;
        }
        final int start = second + 1 + CODE.length();
        final int close = line.indexOf(']', start);
        return close < 0 || close > lineEnd ? null : new int[]{start, close};
    }

    private String rewriteList(final String list) {
        final List<String> result = new ArrayList<>();
        for (final String capability : list.trim().split(" +")) {
            if (!capability.isEmpty() && !remove.test(capability.toUpperCase(Locale.ROOT))) {
                result.add(capability);
            }
        }
        for (final String extra : add) {
            if (result.stream().noneMatch(c -> c.equalsIgnoreCase(extra))) {
                result.add(extra);
            }
        }
        return String.join(" ", result);
    }
}
