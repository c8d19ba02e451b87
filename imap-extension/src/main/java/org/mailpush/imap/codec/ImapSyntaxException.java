package org.mailpush.imap.codec;

/** Bytes that are not the IMAP syntax expected where they are; the message says what was expected. */
public final class ImapSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    public ImapSyntaxException(final String message) {
        super(message, null, false, false);
    }
}
