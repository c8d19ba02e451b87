package org.mailpush.store;

import org.mailpush.common.settings.SettingException;

import java.nio.file.Path;
import java.time.Duration;

import static org.mailpush.common.settings.Settings.inLongRange;
import static org.mailpush.common.settings.Settings.inRange;
import static org.mailpush.common.settings.Settings.orDefault;

/**
 * {@code store:} where registrations (and DAV subscriptions) live and how long they last: the one place their
 * defaults and ranges are written. A value left out ({@code null}) takes its default; {@link TokenStoreBuilder}
 * starts from {@link #DEFAULTS}. Immutable.
 *
 * @param url               JDBC URL: {@code jdbc:h2:file:...} (default {@code ./data/tokens}, relative to the working
 *                          folder, as the H2 driver reads it) or
 *                          {@code jdbc:postgresql://...}
 * @param user              the database user, {@code null} for none
 * @param passwordFile      a file holding the database password, {@code null} for none
 * @param usernameCase      how usernames are compared: {@code lower} (the IMAP server ignores case) or
 *                          {@code preserve}
 * @param expireAfter       a registration not renewed for this long is removed
 * @param sweepInterval     how often expired registrations are looked for
 * @param failoverTimeout   how long an operation keeps trying while the database is unreachable
 * @param cache             the routing cache: {@code auto}, {@code on} or {@code off}
 * @param cacheSize         users the routing cache holds at most
 * @param cacheMaxAge       how long a cached entry may live: the bound on staleness should a change notification
 *                          from another process be lost
 * @param cacheKnownUsers   users with devices listed in memory, so mail for anyone else costs no query
 * @param maxDevicesPerUser devices one user may register
 * @param maxSubscriptionsPerUser DAV subscriptions (device and calendar or address book) one user may hold: a phone
 *                          subscribes to each of its user's collections, so this is devices times collections
 * @param maxQueuedPushes   rows (targets) the shared push queue of a split install holds at most
 * @param queueLease        how long a pusher's claim on queued rows lasts unless renewed: how soon another pusher
 *                          takes over the rows of one that died
 * @param queuePoll         how often an idle pusher looks at the queue without being woken (a missed notification,
 *                          an expired lease); on H2, which cannot wake another process, at most every 50 ms
 */
public record StoreSettings(String url, String user, Path passwordFile, UsernameFolding usernameCase,
                            Duration expireAfter, Duration sweepInterval, Duration failoverTimeout,
                            TokenStoreBuilder.CacheMode cache, Integer cacheSize, Duration cacheMaxAge,
                            Long cacheKnownUsers, Integer maxDevicesPerUser, Integer maxSubscriptionsPerUser,
                            Integer maxQueuedPushes, Duration queueLease, Duration queuePoll) {

    /** Every value at its default. */
    public static final StoreSettings DEFAULTS = new StoreSettings(null, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null);

    public StoreSettings {
        url = orDefault(url, "jdbc:h2:file:./data/tokens");
        if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new SettingException("url", "must start with jdbc:h2: or jdbc:postgresql:");
        }
        usernameCase = orDefault(usernameCase, UsernameFolding.LOWER);
        expireAfter = inRange("expire-after", expireAfter, Duration.ofDays(30), Duration.ofDays(1),
                Duration.ofDays(3650));
        sweepInterval = inRange("sweep-interval", sweepInterval, Duration.ofHours(1), Duration.ofSeconds(1),
                Duration.ofDays(1));
        failoverTimeout = inRange("failover-timeout", failoverTimeout, Duration.ofSeconds(30), Duration.ZERO,
                Duration.ofMinutes(30));
        cache = orDefault(cache, TokenStoreBuilder.CacheMode.AUTO);
        cacheSize = inRange("cache-size", cacheSize, 100_000, 1, 100_000_000);
        cacheMaxAge = inRange("cache-max-age", cacheMaxAge, Duration.ofMinutes(1), Duration.ofSeconds(1),
                Duration.ofDays(1));
        cacheKnownUsers = inLongRange("cache-known-users", cacheKnownUsers, 1_000_000, 0, 100_000_000);
        maxDevicesPerUser = inRange("max-devices-per-user", maxDevicesPerUser, 100, 1, 100_000);
        maxSubscriptionsPerUser = inRange("max-subscriptions-per-user", maxSubscriptionsPerUser, 1_000, 1,
                1_000_000);
        maxQueuedPushes = inRange("max-queued-pushes", maxQueuedPushes, 100_000, 1, 100_000_000);
        queueLease = inRange("queue-lease", queueLease, Duration.ofSeconds(30), Duration.ofSeconds(1),
                Duration.ofHours(1));
        queuePoll = inRange("queue-poll", queuePoll, Duration.ofSeconds(1), Duration.ofMillis(10),
                Duration.ofMinutes(1));
    }
}
