package org.mailpush.server.admin;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigEditorTest {

    static final List<String> ITEM = List.of("- p12: /etc/mailpush/credentials/new.p12",
            "password-file: /etc/mailpush/credentials/new.p12.pass");

    @Test
    void appendsAfterTheLastItemKeepingCommentsAndWhatFollows() {
        final String text = String.join("\n", "apns:", "  credentials:", "    # the old one",
                "    - p12: /old.p12", "      password-file: /old.pass", "", "  # tuning", "  change-delay: 5s",
                "http:", "  listen: 127.0.0.1:9180", "");
        assertThat(ConfigEditor.appendCredential(text, ITEM)).contains(String.join("\n", "apns:", "  credentials:",
                "    # the old one", "    - p12: /old.p12", "      password-file: /old.pass",
                "    - p12: /etc/mailpush/credentials/new.p12",
                "      password-file: /etc/mailpush/credentials/new.p12.pass", "", "  # tuning",
                "  change-delay: 5s", "http:", "  listen: 127.0.0.1:9180", ""));
    }

    @Test
    void itemsAtTheKeysIndentationAndAtTheEndOfTheFile() {
        final String text = String.join("\n", "apns:", "  credentials:", "  - p12: /old.p12");
        assertThat(ConfigEditor.appendCredential(text, ITEM)).contains(String.join("\n", "apns:",
                "  credentials:", "  - p12: /old.p12", "  - p12: /etc/mailpush/credentials/new.p12",
                "    password-file: /etc/mailpush/credentials/new.p12.pass"));
    }

    @Test
    void leavesFlowListsAndMissingSectionsToTheAdmin() {
        assertThat(ConfigEditor.appendCredential("apns:\n  credentials: [{p12: /x}]\n", ITEM)).isEmpty();
        assertThat(ConfigEditor.appendCredential("store:\n  url: x\n", ITEM)).isEmpty();
        assertThat(ConfigEditor.appendCredential("apns:\n  host: x\nhttp:\n  credentials:\n    - p12: y\n", ITEM))
                .as("a credentials key outside apns is not it").isEmpty();
    }
}
