package org.mailpush.imap.codec;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Capability lists are rewritten where the grammar puts them, and nowhere else. */
class CapabilityRewriterTest {

    private final CapabilityRewriter rewriter = new CapabilityRewriter(List.of("XAPPLEPUSHSERVICE"),
            capability -> capability.startsWith("COMPRESS="));

    @Test
    void aCapabilityResponseAndTheCodeRightAfterAStatusWordAreRewritten() {
        assertThat(rewriter.rewrite("* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE IDLE\r\n"))
                .isEqualTo("* CAPABILITY IMAP4rev1 IDLE XAPPLEPUSHSERVICE\r\n");
        for (final String head : List.of("* OK", "* NO", "* BAD", "* BYE", "* PREAUTH", "a1 OK", "a1 NO", "a1 BAD",
                "a1 ok")) {
            assertThat(rewriter.rewrite(head + " [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] text\r\n")).as(head)
                    .isEqualTo(head + " [CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE] text\r\n");
        }
    }

    @Test
    void textThatOnlyLooksLikeOneIsLeftAlone() {
        for (final String line : List.of(
                "* 1 FETCH (ENVELOPE (NIL \"[CAPABILITY COMPRESS=DEFLATE]\"))\r\n",
                "* LIST () \"/\" \"* CAPABILITY COMPRESS=DEFLATE\"\r\n",
                "* OK [ALERT] [CAPABILITY COMPRESS=DEFLATE]\r\n",
                "* OK text [CAPABILITY COMPRESS=DEFLATE]\r\n",
                "a1 PREAUTH [CAPABILITY COMPRESS=DEFLATE]\r\n",
                "a1 FETCH [CAPABILITY COMPRESS=DEFLATE]\r\n",
                "+ [CAPABILITY COMPRESS=DEFLATE]\r\n",
                "* OK [CAPABILITY COMPRESS=DEFLATE\r\n",
                "*CAPABILITY COMPRESS=DEFLATE\r\n")) {
            assertThat(rewriter.rewrite(line)).as(line).isEqualTo(line);
            assertThat(CapabilityRewriter.stated(line)).as(line).isEmpty();
        }
    }

    @Test
    void whatIsStatedIsReadUpperCased() {
        assertThat(CapabilityRewriter.stated("* OK [CAPABILITY imap4rev1 Acl NAMESPACE] hi\r\n"))
                .containsExactly("IMAP4REV1", "ACL", "NAMESPACE");
        assertThat(CapabilityRewriter.stated("* CAPABILITY IMAP4rev1 ID\r\n")).containsExactly("IMAP4REV1", "ID");
    }
}
