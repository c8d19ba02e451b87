package org.mailpush.imap.proxy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The canonical forms the proxy sends before login, and what it refuses. */
class PreLoginCommandsTest {

    private static String login(final String command) {
        return PreLoginCommands.login(command.getBytes(StandardCharsets.ISO_8859_1)).orElse("refused");
    }

    @Test
    void aLoginBecomesOneLineOfAtomsOrQuotedStrings() {
        assertThat(login("l LOGIN alice secret\r\n")).isEqualTo("l LOGIN alice secret\r\n");
        assertThat(login("l login \"alice\" \"se cret\"\r\n")).isEqualTo("l LOGIN alice \"se cret\"\r\n");
        assertThat(login("l LOGIN {5+}\r\nalice {6}\r\nse\"c\\t\r\n")).isEqualTo("l LOGIN alice \"se\\\"c\\\\t\"\r\n");
        assertThat(login("l LOGIN alice \"\"\r\n")).as("an empty password is a quoted string")
                .isEqualTo("l LOGIN alice \"\"\r\n");
        assertThat(login("l LOGIN alice p\u00e4ss\r\n")).as("8-bit: quoted, the byte unchanged")
                .isEqualTo("l LOGIN alice \"p\u00e4ss\"\r\n");
        assertThat(login("l LOGIN alice x{12}\r\n")).isEqualTo("l LOGIN alice \"x{12}\"\r\n");
    }

    @Test
    void aLoginThatIsNotExactlyTwoStringsIsRefused() {
        assertThat(login("l LOGIN alice\r\n")).isEqualTo("refused");
        assertThat(login("l LOGIN alice pw extra\r\n")).isEqualTo("refused");
        assertThat(login("l LOGIN (alice) pw\r\n")).isEqualTo("refused");
        assertThat(login("l LOGIN alice {4}\r\na\r\nb\r\n")).as("CR LF in a string").isEqualTo("refused");
        assertThat(login("l LOGIN alice {3}\r\na\0b\r\n")).as("NUL in a string").isEqualTo("refused");
        assertThat(login("l LOGIN \"alice pw\r\n")).as("an unclosed quote").isEqualTo("refused");
    }

    @Test
    void authenticateIsAMechanismAndAtMostABase64Response() {
        assertThat(PreLoginCommands.authenticate("PLAIN")).isTrue();
        assertThat(PreLoginCommands.authenticate("SCRAM-SHA-256")).isTrue();
        assertThat(PreLoginCommands.authenticate("PLAIN AGFsaWNlAHNlY3JldA==")).isTrue();
        assertThat(PreLoginCommands.authenticate("PLAIN =")).isTrue();
        assertThat(PreLoginCommands.authenticate("")).isFalse();
        assertThat(PreLoginCommands.authenticate("PLAIN AGFsaWNl x")).isFalse();
        assertThat(PreLoginCommands.authenticate("PLAIN {5+}")).isFalse();
        assertThat(PreLoginCommands.authenticate("PL)AIN")).isFalse();
        assertThat(PreLoginCommands.authenticate("PLAIN AGF=aWNl")).as("padding inside").isFalse();
        assertThat(PreLoginCommands.authenticate("PLAIN AGFsa")).as("not a multiple of 4").isFalse();
    }

    @Test
    void aSaslResponseIsBase64OrACancel() {
        assertThat(PreLoginCommands.saslResponse("dGVzdA==")).isTrue();
        assertThat(PreLoginCommands.saslResponse("*")).isTrue();
        assertThat(PreLoginCommands.saslResponse("")).isTrue();
        assertThat(PreLoginCommands.saslResponse("{5}")).isFalse();
        assertThat(PreLoginCommands.saslResponse("b LOGIN victim pw")).isFalse();
    }

    @Test
    void commandNamesAreUpperCasedInAsciiOnly() {
        assertThat(CommandHead.of("a log\u0131n alice pw\r\n").name()).isEqualTo("LOG\u0131N");
        assertThat(CommandHead.of("a \u017ftarttls\r\n").name()).isNotEqualTo("STARTTLS");
        assertThat(CommandHead.of("a login alice pw\r\n").name()).isEqualTo("LOGIN");
    }
}
