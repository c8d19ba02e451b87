package org.mailpush.store.transfer;

/** A backup, export or xapsd file cannot be read; the message names the file, the line and what is wrong. */
public final class ArchiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ArchiveException(final String message) {
        super(message);
    }

    public ArchiveException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
