package org.mailpush.server.ops;

import org.mailpush.common.mail.DeviceTokens;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What the status page shows over time: pushes per minute for the last hour (accepted, rejected, failed) and the
 * most recent failures. Fixed memory: 60 minute buckets and {@value #RECENT} failures. Device tokens are stored
 * masked. Thread-safe (synchronized; called once per push, never on a path that waits).
 */
public final class PushHistory {

    static final int MINUTES = 60;
    static final int RECENT = 20;

    /** One minute of pushes; {@code minute} is the epoch minute. */
    public record Minute(long minute, long accepted, long rejected, long failed) {
    }

    /** One failed push, as the status page lists it. */
    public record Failure(Instant at, String device, int status, String reason) {
    }

    private final Clock clock;
    private final long[] minutes = new long[MINUTES];
    private final long[][] counts = new long[MINUTES][3];
    private final Deque<Failure> recent = new ArrayDeque<>(RECENT);

    public PushHistory(final Clock clock) {
        this.clock = clock;
        java.util.Arrays.fill(minutes, -1);
    }

    public synchronized void accepted() {
        bucket()[0]++;
    }

    public synchronized void rejected(final String deviceToken, final int status, final String reason) {
        bucket()[1]++;
        remember(deviceToken, status, reason);
    }

    public synchronized void failed(final String deviceToken, final String reason) {
        bucket()[2]++;
        remember(deviceToken, 0, reason);
    }

    private void remember(final String deviceToken, final int status, final String reason) {
        if (recent.size() == RECENT) {
            recent.removeLast();
        }
        recent.addFirst(new Failure(clock.instant(), DeviceTokens.mask(deviceToken), status,
                reason == null ? "" : reason));
    }

    private long[] bucket() {
        final long minute = clock.millis() / 60_000;
        final int index = (int) (minute % MINUTES);
        if (minutes[index] != minute) {
            minutes[index] = minute;
            counts[index][0] = 0;
            counts[index][1] = 0;
            counts[index][2] = 0;
        }
        return counts[index];
    }

    /** The last hour, oldest first, one entry per minute (empty minutes included), ending with this minute. */
    public synchronized List<Minute> lastHour() {
        final long now = clock.millis() / 60_000;
        final List<Minute> result = new ArrayList<>(MINUTES);
        for (long minute = now - MINUTES + 1; minute <= now; minute++) {
            final int index = (int) (minute % MINUTES);
            if (minutes[index] == minute) {
                result.add(new Minute(minute, counts[index][0], counts[index][1], counts[index][2]));
            } else {
                result.add(new Minute(minute, 0, 0, 0));
            }
        }
        return result;
    }

    /** The most recent failures, newest first. */
    public synchronized List<Failure> recentFailures() {
        return List.copyOf(recent);
    }
}
