package org.mailpush.store.transfer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.RegistrationStore.ImportMode;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
            backedUp = RegistrationArchive.write(store, backup, true);
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
        assertThat(backedUp).isBetween(2_000L, (long) written.get());

        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("restored")).build()) {
            final RegistrationStore restored = opened.registrations();
            restored.register(registration(999_999));
            assertThat(restored.importRegistrations(RegistrationArchive.read(backup, true),
                    ImportMode.REPLACE)).isEqualTo(backedUp);
            assertThat(restored.count()).isEqualTo(backedUp);
            // The writer added registrations in order: a consistent snapshot holds exactly the first k of them.
            for (int n = 0; n < backedUp; n++) {
                assertThat(restored.find(new RegistrationKey("ACC-" + n, String.format("%064x", n))))
                        .as("registration %d", n).contains(registration(n));
            }
            assertThat(restored.find(new RegistrationKey("ACC-999999", String.format("%064x", 999_999)))).isEmpty();
        }
    }

    @Test
    void exportIsPlainJsonLinesWithHeaderAndCount() throws Exception {
        store.register(registration(1));
        store.register(registration(2));
        final Path export = dir.resolve("tokens.jsonl");
        assertThat(RegistrationArchive.write(store, export, false)).isEqualTo(2);
        final List<String> lines = Files.readAllLines(export);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("{\"format\":\"mailpush-registrations\",\"version\":1,");
        assertThat(lines.get(1)).contains("\"accountId\":\"ACC-1\"", "\"mailboxes\":[\"Folder 1\",\"INBOX\"]");
        assertThat(lines.get(3)).isEqualTo("{\"end\":true,\"count\":2}");
        final List<Registration> read = new ArrayList<>();
        RegistrationArchive.read(export, true).forEach(read::add);
        assertThat(read).containsExactly(registration(1), registration(2));
    }

    @Test
    void aTruncatedOrDamagedBackupIsRefusedAndTheStoreIsLeftAsItWas() throws Exception {
        for (int n = 0; n < 10; n++) {
            store.register(registration(n));
        }
        final Path export = dir.resolve("tokens.jsonl");
        RegistrationArchive.write(store, export, false);
        final List<String> lines = Files.readAllLines(export);
        final Path truncated = Files.write(dir.resolve("truncated.jsonl"), lines.subList(0, 6));
        final Path wrongCount = Files.write(dir.resolve("wrong.jsonl"),
                List.of(lines.get(0), lines.get(1), "{\"end\":true,\"count\":5}"));
        final Path garbage = Files.write(dir.resolve("garbage.jsonl"), List.of(lines.get(0), lines.get(1), "{oops"));

        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("target")).build()) {
            final RegistrationStore target = opened.registrations();
            target.register(registration(42));
            assertThatThrownBy(() -> target.importRegistrations(RegistrationArchive.read(truncated, true),
                    ImportMode.REPLACE)).hasMessageContaining("truncated.jsonl: ends without its end marker"
                    + " after 5 registrations");
            assertThatThrownBy(() -> target.importRegistrations(RegistrationArchive.read(wrongCount, true),
                    ImportMode.REPLACE)).hasMessageContaining("wrong.jsonl line 3: the file says 5"
                    + " registrations but holds 1");
            assertThatThrownBy(() -> target.importRegistrations(RegistrationArchive.read(garbage, true),
                    ImportMode.REPLACE)).hasMessageContaining("garbage.jsonl line 3: not JSON");
            assertThat(target.count()).isEqualTo(1);
            assertThat(target.find(registration(42).key())).isPresent();
        }
    }
}
