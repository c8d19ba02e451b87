package org.mailpush.imap.proxy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A client's ID passes without the fields a trusting server would take as the proxy's word. */
class ClientIdCommandTest {

    private static String rewrite(final String command) {
        return ClientIdCommand.rewrite(command.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    @Test
    void xFieldsAreDroppedWhateverTheirCaseAndForm() {
        assertThat(rewrite("i ID (\"name\" \"iPhone Mail\" \"x-originating-ip\" \"198.51.100.1\" \"X-Proxy-TTL\" "
                + "{1}\r\n5 \"version\" NIL)\r\n")).isEqualTo("i ID (\"name\" \"iPhone Mail\" \"version\" NIL)\r\n");
        assertThat(rewrite("i ID (\"x-session-id\" \"s\")\r\n")).isEqualTo("i ID NIL\r\n");
        assertThat(rewrite("i id nil\r\n")).isEqualTo("i ID NIL\r\n");
    }

    @Test
    void quotesAndBackslashesSurviveAndWhatCannotBeQuotedIsDropped() {
        assertThat(rewrite("i ID (\"name\" \"a \\\"b\\\" \\\\c\" \"os\" {4}\r\nl\r\nn \"ok\" {3}\r\nyes)\r\n"))
                .isEqualTo("i ID (\"name\" \"a \\\"b\\\" \\\\c\" \"ok\" \"yes\")\r\n");
        assertThat(rewrite("i ID (\"name\" {5}\r\nh\u00e9ll)\r\n")).isEqualTo("i ID NIL\r\n");
    }

    @Test
    void anythingElseIsRefused() {
        assertThat(rewrite("i ID\r\n")).isNull();
        assertThat(rewrite("i ID (\"odd\")\r\n")).isNull();
        assertThat(rewrite("i ID (\"a\" (\"b\"))\r\n")).isNull();
        assertThat(rewrite("i ID (\"a\" \"b\") extra\r\n")).isNull();
        assertThat(rewrite("i NOOP\r\n")).isNull();
        final StringBuilder many = new StringBuilder("i ID (");
        for (int n = 0; n < 31; n++) {
            many.append("\"k").append(n).append("\" \"v\" ");
        }
        assertThat(rewrite(many.append(")\r\n").toString())).as("more than 30 fields").isNull();
    }
}
