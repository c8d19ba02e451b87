package org.mailpush.store.transfer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A database.json shaped as dovecot-xaps-daemon writes it (Go's encoding/json of its Users map). */
class XapsdDatabaseTest {

    static final String DATABASE = """
            {
              "Users": {
                "alice": {
                  "Accounts": {
                    "0715A26B-CA09-4730-A419-793000CA982E": {
                      "DeviceToken": "2918390218931890821908309283098109381029309829018310983092892829",
                      "Mailboxes": ["INBOX", "Notes"],
                      "RegistrationTime": "2026-11-20T09:15:02.123456789+01:00"
                    },
                    "6C3E1B0A-1111-2222-3333-444455556666": {
                      "DeviceToken": "AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12",
                      "Mailboxes": ["INBOX"],
                      "RegistrationTime": "0001-01-01T00:00:00Z"
                    }
                  }
                },
                "bob@example.org": {
                  "Accounts": {
                    "B0B-ACCOUNT": {
                      "DeviceToken": "cc12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
                      "Mailboxes": ["INBOX", "Sent Messages", "Archive/2026"],
                      "RegistrationTime": "2026-11-25T23:59:59Z"
                    },
                    "BROKEN": {
                      "DeviceToken": "not-a-token",
                      "Mailboxes": ["INBOX"],
                      "RegistrationTime": "2026-11-25T23:59:59Z"
                    }
                  }
                }
              }
            }
            """;

    @Test
    void importsEveryAccountOfEveryUserWithItsMailboxesAndTime(@TempDir final Path dir) throws Exception {
        final Path file = Files.writeString(dir.resolve("database.json"), DATABASE);
        final Instant now = Instant.parse("2026-11-27T00:00:00Z");

        final XapsdDatabase.Contents contents = XapsdDatabase.read(file, "com.apple.mail.XServer.T", now);

        assertThat(contents.registrations()).hasSize(3);
        assertThat(contents.skipped()).containsExactly(
                "user bob@example.org, account BROKEN: device token not-a-to… is not hex");
        try (TokenStore opened = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build()) {
            final RegistrationStore store = opened.registrations();
            assertThat(store.importRegistrations(contents.registrations(), RegistrationStore.ImportMode.MERGE))
                    .isEqualTo(3);
            final Registration alice = store.find(new RegistrationKey("0715A26B-CA09-4730-A419-793000CA982E",
                    "2918390218931890821908309283098109381029309829018310983092892829")).orElseThrow();
            assertThat(alice.mailboxes()).containsExactly("INBOX", "Notes");
            assertThat(alice.lastRegistered()).isEqualTo(Instant.parse("2026-11-20T08:15:02.123456Z"));
            assertThat(alice.topic()).isEqualTo("com.apple.mail.XServer.T");
            assertThat(store.find(new RegistrationKey("6C3E1B0A-1111-2222-3333-444455556666",
                    "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12")).orElseThrow().lastRegistered())
                    .as("Go's zero time becomes the import time").isEqualTo(now);
            assertThat(store.registrationsWatching("bob@example.org", "Archive/2026")).hasSize(1);
            assertThat(store.registrationsWatching("alice", "Notes")).hasSize(1);
        }
    }

    @Test
    void somethingElseIsRefusedNamingTheFile(@TempDir final Path dir) throws Exception {
        final Path file = Files.writeString(dir.resolve("other.json"), "{\"users\":[]}");
        assertThatThrownBy(() -> XapsdDatabase.read(file, null, Instant.now()))
                .hasMessage(file + ": no \"Users\" object: not a dovecot-xaps-daemon database.json");
    }
}
