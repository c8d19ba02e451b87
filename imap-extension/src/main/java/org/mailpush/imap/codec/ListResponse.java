package org.mailpush.imap.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code * LIST} response: flags, hierarchy delimiter and mailbox name (atom, quoted string or literal, as the
 * server chose).
 */
public record ListResponse(List<String> flags, String delimiter, String name) {

    /** Whether mail can be delivered to and read from it: not {@code \Noselect}, not {@code \NonExistent}. */
    public boolean selectable() {
        for (final String flag : flags) {
            final String lower = flag.toLowerCase(Locale.ROOT);
            if (lower.equals("\\noselect") || lower.equals("\\nonexistent")) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses {@code * LIST (flags) delimiter name [extended data]} (with any literal inline).
     *
     * @return the response, or {@code null} when the bytes are not a LIST response
     */
    public static ListResponse parse(final byte[] response) throws ImapSyntaxException {
        final ImapReader reader = new ImapReader(response);
        final ImapToken star = reader.next();
        final ImapToken list = reader.next();
        if (!"*".equals(star.text()) || !list.isString() || !"LIST".equalsIgnoreCase(list.text())) {
            return null;
        }
        if (reader.next().type() != ImapToken.Type.LIST_START) {
            throw new ImapSyntaxException("LIST response without its flag list");
        }
        final List<String> flags = new ArrayList<>();
        ImapToken token;
        while ((token = reader.next()).type() != ImapToken.Type.LIST_END) {
            if (token.type() == ImapToken.Type.END) {
                throw new ImapSyntaxException("LIST response flag list not closed");
            }
            flags.add(token.text());
        }
        final ImapToken delimiter = reader.next();
        final ImapToken name = reader.next();
        if (!name.isString()) {
            throw new ImapSyntaxException("LIST response without a mailbox name");
        }
        return new ListResponse(flags, "NIL".equalsIgnoreCase(delimiter.text())
                && delimiter.type() == ImapToken.Type.ATOM ? null : delimiter.text(), name.text());
    }
}
