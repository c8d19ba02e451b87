package org.mailpush.common.mail;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModifiedUtf7Test {

    @Test
    void decodesTheFormsClientsSend() {
        // As captured from Cyrus 3.6.1 for a folder created as "Entw&APw-rfe".
        assertThat(ModifiedUtf7.decode("Entw&APw-rfe")).isEqualTo("Entwürfe");
        assertThat(ModifiedUtf7.decode("Work Stuff")).isEqualTo("Work Stuff");
        assertThat(ModifiedUtf7.decode("Tom &- Jerry")).isEqualTo("Tom & Jerry");
        assertThat(ModifiedUtf7.decode("&ZeVnLIqe-")).isEqualTo("日本語");
        assertThat(ModifiedUtf7.decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-")).isEqualTo("~peter/mail/台北/日本語");
    }

    @Test
    void encodesTheRfcExample() {
        assertThat(ModifiedUtf7.encode("~peter/mail/台北/日本語")).isEqualTo("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assertThat(ModifiedUtf7.encode("Entwürfe")).isEqualTo("Entw&APw-rfe");
        assertThat(ModifiedUtf7.encode("A&B")).isEqualTo("A&-B");
    }

    @Test
    void roundTripsNonAscii() {
        for (final String name : new String[]{"Входящие", "Éléments envoyés", "📬 Mail", "a&b ü c"}) {
            assertThat(ModifiedUtf7.decode(ModifiedUtf7.encode(name))).isEqualTo(name);
        }
    }

    @Test
    void rejectsMalformedSectionsButDecodeOrKeepKeepsThem() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("a&ZeVn")).hasMessageContaining("never closed");
        assertThatThrownBy(() -> ModifiedUtf7.decode("&AGE-")).hasMessageContaining("encoded ASCII");
        assertThatThrownBy(() -> ModifiedUtf7.decode("Entwürfe")).hasMessageContaining("U+00FC");
        assertThat(ModifiedUtf7.decodeOrKeep("Entwürfe")).isEqualTo("Entwürfe");
    }
}
