package org.mailpush.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The push queue as a whole, as one query saw it (for the metrics of every process sharing it).
 *
 * @param depth   rows queued: targets with a push to send, claimed or not
 * @param claimed rows held under a lease that has not expired
 * @param oldest  when the oldest event still queued was taken in; empty when the queue is empty
 */
public record QueueStats(long depth, long claimed, Optional<Instant> oldest) {
}
