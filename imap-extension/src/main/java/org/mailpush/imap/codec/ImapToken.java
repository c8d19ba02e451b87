package org.mailpush.imap.codec;

/**
 * One token of an IMAP command or response line.
 *
 * @param text the atom, or the string's content (quoted or literal) decoded as UTF-8; empty for parentheses and END
 */
public record ImapToken(Type type, String text) {

    public enum Type { ATOM, QUOTED, LITERAL, LIST_START, LIST_END, END }

    static final ImapToken LIST_START = new ImapToken(Type.LIST_START, "");
    static final ImapToken LIST_END = new ImapToken(Type.LIST_END, "");
    static final ImapToken END = new ImapToken(Type.END, "");

    /** A string in any of its forms (atom, quoted, literal): what IMAP calls an astring. */
    public boolean isString() {
        return type == Type.ATOM || type == Type.QUOTED || type == Type.LITERAL;
    }
}
