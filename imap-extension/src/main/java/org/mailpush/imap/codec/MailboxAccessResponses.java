package org.mailpush.imap.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the responses the proxy asks for before it confirms a mailbox for push: {@code NAMESPACE} (RFC 2342),
 * {@code MYRIGHTS} (RFC 4314) and the mailbox of a {@code STATUS} response. Each takes the whole response as it came
 * (literals inline) and throws {@link ImapSyntaxException} for anything else. Stateless.
 */
public final class MailboxAccessResponses {

    /** The prefixes of the three namespace kinds; empty lists for {@code NIL}. */
    public record Namespaces(List<String> personal, List<String> otherUsers, List<String> shared) {

        /**
         * Whether {@code mailbox} lies in another user's or a shared namespace (a non-empty prefix of either, or the
         * prefix without its trailing delimiter).
         */
        public boolean notPersonal(final String mailbox) {
            for (final List<String> prefixes : List.of(otherUsers, shared)) {
                for (final String prefix : prefixes) {
                    if (prefix.isEmpty()) {
                        continue;
                    }
                    final String bare = prefix.length() > 1 ? prefix.substring(0, prefix.length() - 1) : prefix;
                    if (mailbox.startsWith(prefix) || mailbox.equals(bare)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /** A {@code MYRIGHTS} answer. */
    public record MyRights(String mailbox, String rights) {

        /** Whether the rights include reading the mailbox ({@code r}, RFC 4314 §2.1). */
        public boolean mayRead() {
            return rights.indexOf('r') >= 0;
        }
    }

    private MailboxAccessResponses() {
    }

    /** {@code * NAMESPACE personal other shared}. */
    public static Namespaces namespaces(final byte[] response) throws ImapSyntaxException {
        final ImapReader reader = start(response, "NAMESPACE");
        final List<String> personal = namespace(reader);
        final List<String> other = namespace(reader);
        final List<String> shared = namespace(reader);
        return new Namespaces(personal, other, shared);
    }

    /** {@code * MYRIGHTS mailbox rights}. */
    public static MyRights myRights(final byte[] response) throws ImapSyntaxException {
        final ImapReader reader = start(response, "MYRIGHTS");
        final ImapToken mailbox = reader.next();
        final ImapToken rights = reader.next();
        if (!mailbox.isString() || !rights.isString()) {
            throw new ImapSyntaxException("MYRIGHTS response without a mailbox and rights");
        }
        return new MyRights(mailbox.text(), rights.text());
    }

    /** The mailbox of {@code * STATUS mailbox (...)}. */
    public static String statusMailbox(final byte[] response) throws ImapSyntaxException {
        final ImapReader reader = start(response, "STATUS");
        final ImapToken mailbox = reader.next();
        if (!mailbox.isString()) {
            throw new ImapSyntaxException("STATUS response without a mailbox");
        }
        return mailbox.text();
    }

    private static ImapReader start(final byte[] response, final String name) throws ImapSyntaxException {
        final ImapReader reader = new ImapReader(response);
        final ImapToken star = reader.next();
        final ImapToken word = reader.next();
        if (!"*".equals(star.text()) || !name.equals(word.text().toUpperCase(Locale.ROOT))) {
            throw new ImapSyntaxException("not a " + name + " response");
        }
        return reader;
    }

    /** {@code NIL} or {@code (("prefix" "delim" ext...) ...)}: the prefixes. */
    private static List<String> namespace(final ImapReader reader) throws ImapSyntaxException {
        final ImapToken first = reader.next();
        if (first.type() == ImapToken.Type.ATOM && "NIL".equalsIgnoreCase(first.text())) {
            return List.of();
        }
        if (first.type() != ImapToken.Type.LIST_START) {
            throw new ImapSyntaxException("a namespace is NIL or a list");
        }
        final List<String> prefixes = new ArrayList<>();
        for (ImapToken descriptor = reader.next(); descriptor.type() != ImapToken.Type.LIST_END;
             descriptor = reader.next()) {
            if (descriptor.type() != ImapToken.Type.LIST_START) {
                throw new ImapSyntaxException("a namespace descriptor is a list");
            }
            final ImapToken prefix = reader.next();
            if (!prefix.isString()) {
                throw new ImapSyntaxException("a namespace descriptor starts with its prefix");
            }
            prefixes.add(prefix.text());
            skipTo(reader, 1);
        }
        return List.copyOf(prefixes);
    }

    /** Skips tokens until {@code depth} lists have closed. */
    private static void skipTo(final ImapReader reader, final int depth) throws ImapSyntaxException {
        int open = depth;
        while (open > 0) {
            final ImapToken token = reader.next();
            switch (token.type()) {
                case LIST_START -> open++;
                case LIST_END -> open--;
                case END -> throw new ImapSyntaxException("a list is not closed");
                default -> {
                }
            }
        }
    }
}
