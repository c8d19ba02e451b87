package org.mailpush.notifyd.queue;

/** The durable queue holds as many bytes as it may; the record was not written. */
public final class QueueFullException extends Exception {

    private static final long serialVersionUID = 1L;

    public QueueFullException(final String message) {
        super(message);
    }
}
