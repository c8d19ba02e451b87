package org.mailpush.imap.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ImapSupportTest {

    private final CapabilityRewriter rewriter = new CapabilityRewriter(List.of("XAPPLEPUSHSERVICE"),
            Set.of("COMPRESS=DEFLATE", "STARTTLS", "LOGINDISABLED")::contains);

    @Test
    void capabilitiesAreRewrittenWhereverTheServerStatesThem() {
        assertThat(rewriter.rewrite("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED IDLE COMPRESS=DEFLATE\r\n"))
                .isEqualTo("* CAPABILITY IMAP4rev1 IDLE XAPPLEPUSHSERVICE\r\n");
        assertThat(rewriter.rewrite("* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS] Dovecot ready.\r\n"))
                .isEqualTo("* OK [CAPABILITY IMAP4rev1 SASL-IR XAPPLEPUSHSERVICE] Dovecot ready.\r\n");
        assertThat(rewriter.rewrite("a1 OK [CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE IDLE] Logged in\r\n"))
                .isEqualTo("a1 OK [CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE IDLE] Logged in\r\n");
        assertThat(rewriter.rewrite("* 3 EXISTS\r\n")).isEqualTo("* 3 EXISTS\r\n");
        assertThat(rewriter.rewrite("a2 OK [READ-WRITE] Select completed\r\n"))
                .isEqualTo("a2 OK [READ-WRITE] Select completed\r\n");
    }

    @Test
    void listResponsesInEveryForm() throws Exception {
        assertThat(ListResponse.parse(bytes("* LIST (\\HasNoChildren) \"/\" INBOX\r\n")))
                .isEqualTo(new ListResponse(List.of("\\HasNoChildren"), "/", "INBOX"));
        assertThat(ListResponse.parse(bytes("* LIST (\\Noselect \\HasChildren) \".\" \"Work Stuff\"\r\n")).selectable())
                .isFalse();
        assertThat(ListResponse.parse(bytes("* LIST () \"/\" {8}\r\nSay \"hi\"\r\n")).name()).isEqualTo("Say \"hi\"");
        assertThat(ListResponse.parse(bytes("* LIST () NIL Archive\r\n")).delimiter()).isNull();
        assertThat(ListResponse.parse(bytes("* 3 EXISTS\r\n"))).isNull();
    }

    @Test
    void saslMechanismsThatSayWhoLogsIn() {
        assertThat(SaslUsernames.fromFirstResponse("PLAIN", b64("\0alice\0secret"))).contains("alice");
        assertThat(SaslUsernames.fromFirstResponse("plain", b64("admin\0alice\0secret"))).contains("admin");
        assertThat(SaslUsernames.fromFirstResponse("LOGIN", b64("bob@example.org"))).contains("bob@example.org");
        assertThat(SaslUsernames.fromFirstResponse("SCRAM-SHA-256", b64("n,,n=carol=2Cx,r=rOprNGfwEbeRWgbNEkqO")))
                .contains("carol,x");
        assertThat(SaslUsernames.fromFirstResponse("XOAUTH2", b64("user=dave@example.org\u0001auth=Bearer tok"
                + "\u0001\u0001"))).contains("dave@example.org");
        assertThat(SaslUsernames.fromFirstResponse("OAUTHBEARER", b64("n,a=erin@example.org,\u0001host=imap"
                + "\u0001auth=Bearer tok\u0001\u0001"))).contains("erin@example.org");
        assertThat(SaslUsernames.fromFirstResponse("PLAIN", "!!!notbase64")).isEmpty();
        assertThat(SaslUsernames.fromFirstResponse("GSSAPI", b64("whatever"))).isEmpty();
        assertThat(SaslUsernames.revealsUser("EXTERNAL")).isFalse();
        assertThat(SaslUsernames.revealsUser("SCRAM-SHA-1-PLUS")).isTrue();
    }

    /** A message that names its user twice names nobody: servers differ on which one counts. */
    @Test
    void aUserNamedTwiceIsNobody() {
        assertThat(SaslUsernames.fromFirstResponse("XOAUTH2", b64("user=a\u0001user=b\u0001auth=Bearer t\u0001\u0001")))
                .isEmpty();
        assertThat(SaslUsernames.fromFirstResponse("OAUTHBEARER", b64("n,a=a,a=b,\u0001auth=Bearer t\u0001\u0001")))
                .isEmpty();
        assertThat(SaslUsernames.fromFirstResponse("SCRAM-SHA-256", b64("n,,n=a,n=b,r=nonce"))).isEmpty();
    }

    @Test
    void quotingPicksQuotedOrLiteral() {
        assertThat(ImapQuoting.string("INBOX")).isEqualTo("\"INBOX\"");
        assertThat(ImapQuoting.string("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(ImapQuoting.string("line\r\nbreak")).isEqualTo("{11}\r\nline\r\nbreak");
    }

    private static byte[] bytes(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(final String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
