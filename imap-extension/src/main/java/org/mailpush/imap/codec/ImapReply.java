package org.mailpush.imap.codec;

/**
 * A tagged NO or BAD that a command parser wants sent back, with the exact text. Thrown, not logged: it is an answer
 * to the client, not a fault of mailpush.
 */
public final class ImapReply extends Exception {

    private static final long serialVersionUID = 1L;

    /** The tagged status. */
    public enum Status { NO, BAD }

    private final Status status;
    private final String text;

    public ImapReply(final Status status, final String text) {
        super(status + " " + text, null, false, false);
        this.status = status;
        this.text = text;
    }

    public Status status() {
        return status;
    }

    public String text() {
        return text;
    }

    /** The whole line for {@code tag}. */
    public String line(final String tag) {
        return tag + " " + status + " " + text + "\r\n";
    }
}
