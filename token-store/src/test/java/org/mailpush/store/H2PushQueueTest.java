package org.mailpush.store;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The push queue contract on H2 (a single-host split install). */
class H2PushQueueTest extends PushQueueContract {

    @TempDir
    Path dir;

    @Override
    TokenStore openStore() {
        return new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
    }
}
