package org.mailpush.imap.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Rewrites the capability lists an IMAP server states, wherever it states them: {@code * CAPABILITY ...} and the
 * {@code [CAPABILITY ...]} response code of the greeting and of tagged OKs. It adds capabilities the proxy provides
 * and removes those it cannot pass through. Stateless; the proxy makes one per decision it needs.
 */
public final class CapabilityRewriter {

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

    /** The line with its capability list rewritten, or the same line when it states none. */
    public String rewrite(final String line) {
        final String upper = line.toUpperCase(Locale.ROOT);
        if (upper.startsWith("* CAPABILITY ")) {
            final int end = line.endsWith("\r\n") ? line.length() - 2 : line.length();
            return "* CAPABILITY " + rewriteList(line.substring("* CAPABILITY ".length(), end)) + line.substring(end);
        }
        final int code = upper.indexOf("[CAPABILITY ");
        if (code < 0) {
            return line;
        }
        final int start = code + "[CAPABILITY ".length();
        final int close = line.indexOf(']', start);
        if (close < 0) {
            return line;
        }
        return line.substring(0, start) + rewriteList(line.substring(start, close)) + line.substring(close);
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
