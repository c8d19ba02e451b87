package org.mailpush.store.transfer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.store.DavSubscription;
import org.mailpush.store.DavSubscriptionKey;
import org.mailpush.store.PushTarget;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.RegistrationStore.ImportMode;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.store.TransferCount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistrationArchiveTest {

    @TempDir
    Path dir;
    TokenStore source;
    RegistrationStore store;

    @BeforeEach
    void open() {
        source = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("source")).build();
        store = source.registrations();
    }

    @AfterEach
    void close() {
        source.close();
    }

    static Registration registration(final int n) {
        return Registration.of("user" + (n % 50), "ACC-" + n, String.format("%064x", n), "com.apple.mobilemail", 2,
                Set.of("INBOX", "Folder " + n), "com.apple.mail.XServer.T", Instant.parse("2026-11-01T00:00:00Z")
                        .plusSeconds(n));
    }

    @Test
    void backupTakenWhileWritesRunRestoresToAConsistentSnapshot() throws Exception {
        for (int n = 0; n < 2_000; n++) {
            store.register(registration(n));
        }
        final AtomicBoolean writing = new AtomicBoolean(true);
        final AtomicInteger written = new AtomicInteger(2_000);
        final Thread writer = new Thread(() -> {
            while (writing.get()) {
                store.register(registration(written.getAndIncrement()));
            }
        });
        writer.start();
        final Path backup = dir.resolve("tokens.backup");
        final long backedUp;
        try {
            backedUp = RegistrationArchive.write(source, backup, true).registrations();
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
        assertThat(backedUp).isBetween(2_000L, (long) written.get());

        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("restored")).build()) {
            final RegistrationStore restored = opened.registrations();
            restored.register(registration(999_999));
            assertThat(opened.importAll(RegistrationArchive.read(backup, true), ImportMode.REPLACE))
                    .isEqualTo(new TransferCount(backedUp, 0));
            assertThat(restored.count()).isEqualTo(backedUp);
            // The writer added registrations in order: a consistent snapshot holds exactly the first k of them.
            for (int n = 0; n < backedUp; n++) {
                assertThat(restored.find(new RegistrationKey("ACC-" + n, String.format("%064x", n))))
                        .as("registration %d", n).contains(registration(n));
            }
            assertThat(restored.find(new RegistrationKey("ACC-999999", String.format("%064x", 999_999)))).isEmpty();
        }
    }

    static DavSubscription subscription(final int n) {
        final Instant at = Instant.parse("2026-12-01T00:00:00Z").plusSeconds(n);
        return new DavSubscription("ab".repeat(31) + String.format("%02x", n), "cal-" + n, "user" + n + "/cal-" + n,
                "com.apple.calendar.XServer.T", PushTarget.Kind.CALENDAR, "user" + n, at, at,
                at.plus(Duration.ofDays(1)));
    }

    @Test
    void exportIsPlainJsonLinesWithHeaderAndCounts() throws Exception {
        store.register(registration(1));
        store.register(registration(2));
        source.subscriptions().subscribe(subscription(1));
        final Path export = dir.resolve("tokens.jsonl");
        assertThat(RegistrationArchive.write(source, export, false)).isEqualTo(new TransferCount(2, 1));
        final List<String> lines = Files.readAllLines(export);
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("{\"format\":\"mailpush-registrations\",\"version\":2,");
        assertThat(lines.get(1)).contains("\"accountId\":\"ACC-1\"", "\"mailboxes\":[\"Folder 1\",\"INBOX\"]")
                .doesNotContain("\"type\"");
        assertThat(lines.get(3)).isEqualTo("{\"type\":\"dav-subscription\",\"kind\":\"calendar\",\"subscriber\":"
                + "\"user1\",\"deviceToken\":\"" + "ab".repeat(31) + "01\",\"collectionId\":\"cal-1\",\"pushKey\":"
                + "\"user1/cal-1\",\"topic\":\"com.apple.calendar.XServer.T\",\"firstSubscribed\":"
                + "\"2026-12-01T00:00:01Z\",\"lastSubscribed\":\"2026-12-01T00:00:01Z\",\"expiresAt\":"
                + "\"2026-12-02T00:00:01Z\"}");
        assertThat(lines.get(4)).isEqualTo("{\"end\":true,\"count\":2,\"subscriptions\":1}");
        final List<PushTarget> read = new ArrayList<>();
        RegistrationArchive.read(export, true).forEach(read::add);
        assertThat(read).containsExactly(registration(1), registration(2), subscription(1));
    }

    @Test
    void aTruncatedOrDamagedBackupIsRefusedAndTheStoreIsLeftAsItWas() throws Exception {
        for (int n = 0; n < 10; n++) {
            store.register(registration(n));
        }
        final Path export = dir.resolve("tokens.jsonl");
        RegistrationArchive.write(source, export, false);
        final List<String> lines = Files.readAllLines(export);
        final Path truncated = Files.write(dir.resolve("truncated.jsonl"), lines.subList(0, 6));
        final Path wrongCount = Files.write(dir.resolve("wrong.jsonl"),
                List.of(lines.get(0), lines.get(1), "{\"end\":true,\"count\":5}"));
        final Path garbage = Files.write(dir.resolve("garbage.jsonl"), List.of(lines.get(0), lines.get(1), "{oops"));

        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("target")).build()) {
            final RegistrationStore target = opened.registrations();
            target.register(registration(42));
            assertThatThrownBy(() -> opened.importAll(RegistrationArchive.read(truncated, true),
                    ImportMode.REPLACE)).hasMessageContaining("truncated.jsonl: ends without its end marker"
                    + " after 5 registrations and 0 DAV subscriptions");
            assertThatThrownBy(() -> opened.importAll(RegistrationArchive.read(wrongCount, true),
                    ImportMode.REPLACE)).hasMessageContaining("wrong.jsonl line 3: the file says 5"
                    + " registrations but holds 1");
            assertThatThrownBy(() -> opened.importAll(RegistrationArchive.read(garbage, true),
                    ImportMode.REPLACE)).hasMessageContaining("garbage.jsonl line 3: not JSON");
            assertThat(target.count()).isEqualTo(1);
            assertThat(target.find(registration(42).key())).isPresent();
        }
    }

    /** A version 1 file (before DAV subscriptions) still restores: registrations only, its trailer without them. */
    @Test
    void aVersionOneFileStillReads() throws Exception {
        final Path old = Files.write(dir.resolve("v1.jsonl"), List.of(
                "{\"format\":\"mailpush-registrations\",\"version\":1,\"created\":\"2026-11-27T10:00:00Z\"}",
                "{\"username\":\"user1\",\"accountId\":\"ACC-1\",\"deviceToken\":\"" + String.format("%064x", 1)
                        + "\",\"subtopic\":\"com.apple.mobilemail\",\"apsVersion\":2,\"topic\":"
                        + "\"com.apple.mail.XServer.T\",\"mailboxes\":[\"Folder 1\",\"INBOX\"],\"firstRegistered\":"
                        + "\"2026-11-01T00:00:01Z\",\"lastRegistered\":\"2026-11-01T00:00:01Z\"}",
                "{\"end\":true,\"count\":1}"));
        source.subscriptions().subscribe(subscription(7));
        assertThat(source.importAll(RegistrationArchive.read(old, true), ImportMode.REPLACE))
                .isEqualTo(new TransferCount(1, 0));
        assertThat(store.find(registration(1).key())).contains(registration(1));
        assertThat(source.subscriptions().countSubscriptions()).as("a restore replaces both tables").isZero();
        final Path future = Files.write(dir.resolve("v3.jsonl"), List.of(
                "{\"format\":\"mailpush-registrations\",\"version\":3}", "{\"end\":true,\"count\":0}"));
        assertThatThrownBy(() -> RegistrationArchive.read(future, true).iterator().hasNext())
                .hasMessageContaining("v3.jsonl line 1: not a mailpush registrations file of version 1 to 2");
    }

    /** A backup round trip of both kinds, then a merge that keeps the newer of each subscription. */
    @Test
    void subscriptionsGoThroughABackupAndAMergeKeepsTheNewer() throws Exception {
        store.register(registration(1));
        for (int n = 0; n < 3; n++) {
            source.subscriptions().subscribe(subscription(n));
        }
        final Path backup = dir.resolve("tokens.backup");
        assertThat(RegistrationArchive.write(source, backup, true)).isEqualTo(new TransferCount(1, 3));
        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("restored")).build()) {
            assertThat(opened.importAll(RegistrationArchive.read(backup, true), ImportMode.REPLACE))
                    .isEqualTo(new TransferCount(1, 3));
            assertThat(opened.subscriptions().findSubscription(subscription(2).key())).contains(subscription(2));

            // The restored install's device refreshed cal-0 since; merging the old backup back keeps that.
            final DavSubscription refreshed = new DavSubscription(subscription(0).deviceToken(), "cal-0", "user0/cal-0",
                    "com.apple.calendar.XServer.T", PushTarget.Kind.CALENDAR, "user0",
                    subscription(0).firstSubscribed(), Instant.parse("2026-12-05T00:00:00Z"),
                    Instant.parse("2026-12-06T00:00:00Z"));
            opened.subscriptions().subscribe(refreshed);
            opened.subscriptions().removeSubscriptions("user1", null);
            assertThat(opened.importAll(RegistrationArchive.read(backup, true), ImportMode.MERGE))
                    .isEqualTo(new TransferCount(0, 1));
            assertThat(opened.subscriptions().findSubscription(new DavSubscriptionKey(refreshed.deviceToken(),
                    "cal-0"))).contains(refreshed);
            assertThat(opened.subscriptions().countSubscriptions()).isEqualTo(3);
        }
    }

    @Test
    void aBadDavLineIsRefusedNamingTheLineAndTheField() throws Exception {
        final String header = "{\"format\":\"mailpush-registrations\",\"version\":2}";
        final String good = RegistrationArchive.toJson(subscription(1)).toString();
        final Path badToken = Files.write(dir.resolve("token.jsonl"), List.of(header,
                good.replace("ab".repeat(31) + "01", "efef")));
        final Path badKind = Files.write(dir.resolve("kind.jsonl"), List.of(header,
                good.replace("\"calendar\"", "\"mail\"")));
        final Path noKey = Files.write(dir.resolve("key.jsonl"), List.of(header,
                good.replace("\"pushKey\"", "\"other\"")));
        final Path badType = Files.write(dir.resolve("type.jsonl"), List.of(header,
                good.replace("dav-subscription", "webpush")));
        final Path wrongCount = Files.write(dir.resolve("count.jsonl"), List.of(header, good,
                "{\"end\":true,\"count\":0,\"subscriptions\":2}"));
        assertThatThrownBy(() -> source.importAll(RegistrationArchive.read(badToken, false), ImportMode.MERGE))
                .hasMessage(badToken + " line 2: deviceToken efef… is not 64 hex digits");
        assertThatThrownBy(() -> source.importAll(RegistrationArchive.read(badKind, false), ImportMode.MERGE))
                .hasMessage(badKind + " line 2: a DAV subscription's kind is calendar or contacts, not mail");
        assertThatThrownBy(() -> source.importAll(RegistrationArchive.read(noKey, false), ImportMode.MERGE))
                .hasMessage(noKey + " line 2: pushKey is missing");
        assertThatThrownBy(() -> source.importAll(RegistrationArchive.read(badType, false), ImportMode.MERGE))
                .hasMessageStartingWith(badType + " line 2: unknown type \"webpush\"");
        assertThatThrownBy(() -> source.importAll(RegistrationArchive.read(wrongCount, true), ImportMode.REPLACE))
                .hasMessage(wrongCount + " line 3: the file says 2 DAV subscriptions but holds 1");
        assertThat(source.subscriptions().countSubscriptions()).isZero();
    }
}
