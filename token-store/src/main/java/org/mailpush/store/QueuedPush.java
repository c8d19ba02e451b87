package org.mailpush.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A push an intake process queued in the store for the pusher process.
 *
 * @param id         its place in the queue (increasing)
 * @param newMail    new mail (push now) rather than a mailbox change (push after the coalescing delay)
 * @param receivedAt when the event that caused it was taken in
 */
public record QueuedPush(long id, RegistrationKey registration, boolean newMail, Instant receivedAt) {

    public QueuedPush {
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
