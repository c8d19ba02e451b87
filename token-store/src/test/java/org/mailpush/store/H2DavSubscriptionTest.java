package org.mailpush.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DAV subscription contract on an H2 file (opened with H2's auto-server, as the service opens it, so that a
 * second store on the same file is what an admin command is).
 */
class H2DavSubscriptionTest extends DavSubscriptionContract {

    @TempDir
    Path dir;

    @Override
    TokenStoreBuilder builder() {
        return new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens"));
    }

    @Test
    void subscriptionsSurviveReopening() {
        store.subscribe(calendar(TOKEN_A, "cal-1", T0));
        tokenStore.close();
        open();
        assertThat(store.findSubscription(new DavSubscriptionKey(TOKEN_A, "cal-1"))).isPresent();
    }

    /** With the cache off the store reads the database every time, and answers the same. */
    @Test
    void withoutTheCacheLookupsAnswerAlike() {
        try (TokenStore uncached = builder().cache(TokenStoreBuilder.CacheMode.OFF, 10, Duration.ofMinutes(1))
                .build()) {
            assertThat(uncached.subscriptions()).isInstanceOf(JdbiDavSubscriptionStore.class);
            store.subscribe(calendar(TOKEN_A, "cal-1", T0));
            assertThat(uncached.subscriptions().subscriptionsOfCollections(List.of("cal-1"), T0).get("cal-1"))
                    .hasSize(1);
        }
    }
}
