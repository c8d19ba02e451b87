package org.mailpush.imap.proxy;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on {@link ImapProxySession} found by an audit of the proxy (each first failed against the code), and the
 * attacks that held. Each test plays the server as Dovecot 2.3 (imap-login, imap) would answer the bytes the proxy
 * sent it, and asserts the safe outcome: above all, that no registration is ever stored under a user the server did
 * not log in.
 */
class HostileClientTest {

    static final String TOKEN = ImapProxySessionTest.TOKEN;

    private SessionHarness proxy;

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    private static String b64(final String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Registers INBOX in a session where the server stated no capabilities since login, playing the server. */
    private void registerInbox() {
        proxy.toServer();
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        final String asked = proxy.toServer();
        if (asked.equals("mailpush1 CAPABILITY\r\n")) {
            proxy.serverSends("* CAPABILITY IMAP4rev1 IDLE\r\nmailpush1 OK done\r\n");
            assertThat(proxy.toServer()).isEqualTo("mailpush2 STATUS \"INBOX\" (MESSAGES)\r\n");
            proxy.serverSends("* STATUS \"INBOX\" (MESSAGES 3)\r\nmailpush2 OK done\r\n");
        }
    }

    // =================================================================================================================
    // Found by the audit, fixed
    // =================================================================================================================

    // ---- SASL identity named twice --------------------------------------------------------------------------

    /**
     * XOAUTH2 with two {@code user=} fields: Dovecot keeps the last (mech-oauth2.c) and checks the token for it; a
     * reader that took the first would store the attacker's phone under the victim. Two names name nobody.
     */
    @Test
    void xoauth2NamingTwoUsersNamesNobody() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        final String ir = b64("user=victim\u0001user=attacker\u0001auth=Bearer attackers.own.token\u0001\u0001");
        proxy.clientSends("a AUTHENTICATE XOAUTH2 " + ir + "\r\n");
        assertThat(proxy.toServer()).isEqualTo("a AUTHENTICATE XOAUTH2 " + ir + "\r\n");
        proxy.serverSends("a OK Logged in\r\n");
        assertThat(proxy.user()).isNull();
        proxy.toClient();
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).startsWith("r NO [UNAVAILABLE]");
        assertThat(proxy.registered).isEmpty();
    }

    /** OAUTHBEARER with two {@code a=} in the GS2 header: the same. */
    @Test
    void oauthBearerNamingTwoUsersNamesNobody() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        final String ir = b64("n,a=victim,a=attacker,\u0001auth=Bearer attackers.own.token\u0001\u0001");
        proxy.clientSends("a AUTHENTICATE OAUTHBEARER " + ir + "\r\n");
        proxy.serverSends("a OK Logged in\r\n");
        assertThat(proxy.user()).isNull();
    }

    // ---- lines a server reads differently: nothing but canonical commands before login ----------------------

    /**
     * Dovecot answers a line it cannot parse with BAD and skips to the next LF (client_handle_parser_error): a
     * {n+} at the end of that line is no literal for it, and the "literal" bytes are its next command. Those could
     * announce a literal that swallows the proxy's next LOGIN line, whose "password" is then a LOGIN of the
     * attacker's, and the answer to that would be taken for the victim's. Before login the proxy now refuses such a
     * line itself (a NOOP with arguments), drops its literal, and sends LOGIN as one line of its own.
     */
    @Test
    void aLineTheServerCouldNotParseNeverReachesItBeforeLogin() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP ) {12+}\r\nz NOOP {20+}\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("a BAD NOOP takes no arguments\r\n");
        proxy.clientSends("t LOGIN victim {27+}\r\nt LOGIN attacker attackerpw\r\n");
        assertThat(proxy.toServer()).as("one line: the literal is the password, as the server reads it too")
                .isEqualTo("t LOGIN victim \"t LOGIN attacker attackerpw\"\r\n");
        proxy.serverSends("t NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        assertThat(proxy.user()).isNull();
        assertThat(proxy.counters.protocolViolations()).isEqualTo(1);
    }

    /**
     * With synchronizing literals: Dovecot answers "+" for a marker in the middle of a line ("{5}x") and then
     * refuses the line; a proxy that gave that "+" to the next command would release a literal the server skipped.
     * None of these lines reaches the server before login.
     */
    @Test
    void midLineMarkersAndLiteralsOfRefusedLinesNeverReachTheServer() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP {5}x\r\nc NOOP ) {11}\r\nz NOOP {20}\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("a BAD NOOP takes no arguments\r\nc BAD NOOP takes no arguments\r\n"
                + "z BAD NOOP takes no arguments\r\n");
        proxy.clientSends("t LOGIN attacker attackerpw\r\n");
        assertThat(proxy.toServer()).isEqualTo("t LOGIN attacker attackerpw\r\n");
        proxy.serverSends("t OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("attacker");
    }

    /** The same primitive cannot carry the client's own ID x-* fields past the filter. */
    @Test
    void theClientsXFieldsCannotReachTheServerInsideALiteral() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        final String id = "x ID (\"x-originating-ip\" \"198.51.100.99\")";
        proxy.clientSends("a NOOP ) {" + id.length() + "+}\r\n" + id + "\r\n");
        assertThat(proxy.toServer()).isEmpty();
    }

    /** Before login only the commands a client needs there pass; XCLIENT, ENABLE, SELECT ... are answered. */
    @Test
    void onlyTheCommandsOfTheNotAuthenticatedStatePassBeforeLogin() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a XCLIENT ADDR=198.51.100.99 LOGIN=victim\r\nb SELECT INBOX\r\nc ENABLE CONDSTORE\r\n"
                + "d CAPABILITY\r\n");
        assertThat(proxy.toServer()).isEqualTo("d CAPABILITY\r\n");
        assertThat(proxy.toClient()).isEqualTo("a BAD XCLIENT is not available before login\r\n"
                + "b BAD SELECT is not available before login\r\nc BAD ENABLE is not available before login\r\n");
    }

    /** AUTHENTICATE is a mechanism and a base64 response, nothing else; a response line that is not base64 cancels. */
    @Test
    void authenticateCarriesNothingButAMechanismAndBase64() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a AUTHENTICATE PLAIN {5+}\r\nhello\r\nb AUTHENTICATE PLAIN AGFsaWNl x\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("a BAD Invalid AUTHENTICATE arguments\r\n"
                + "b BAD Invalid AUTHENTICATE arguments\r\n");
        proxy.clientSends("c AUTHENTICATE PLAIN\r\n");
        assertThat(proxy.toServer()).isEqualTo("c AUTHENTICATE PLAIN\r\n");
        proxy.serverSends("+ \r\n");
        proxy.clientSends("d LOGIN victim pw\r\n");
        assertThat(proxy.toServer()).as("not base64: cancelled").isEqualTo("*\r\n");
        proxy.serverSends("c BAD Authentication aborted\r\n");
        assertThat(proxy.user()).isNull();
    }

    /** A LOGIN with literals or quoted strings goes out as the proxy's own line, bytes of the password unchanged. */
    @Test
    void aLoginIsSentAsOneLineWithThePasswordBytesUnchanged() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        final byte[] password = "p\u00e4ss \"w\\rd".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        proxy.clientSends("l LOGIN {5}\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ Ready for literal data\r\n");
        proxy.clientSends("alice {" + password.length + "+}\r\n");
        proxy.clientSends(password);
        proxy.clientSends("\r\n");
        assertThat(proxy.toServerBytes()).isEqualTo("l LOGIN alice \"p\u00e4ss \\\"w\\\\rd\"\r\n");
        proxy.serverSends("l OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
    }

    /** A password with CR, LF or NUL cannot be one quoted string: refused, never sent. */
    @Test
    void aLoginWithALineBreakInThePasswordIsRefused() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l LOGIN alice {9+}\r\nab\r\nx NOOP\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("l BAD Invalid LOGIN arguments\r\n");
    }

    /**
     * After login no parse error is needed: Dovecot's IDLE and NOOP read no arguments and skip the rest of the line,
     * so a literal marker there is no literal for it, and the "literal" (here a COMPRESS, which would deflate the
     * server's stream behind the proxy's back) would run. Commands that take no arguments are refused with any.
     */
    @Test
    void afterLoginACommandWithoutArgumentsCannotCarryAHiddenCommand() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("i IDLE {6}\r\n");
        assertThat(proxy.toClient()).isEqualTo("i BAD IDLE takes no arguments\r\n");
        proxy.clientSends("a NOOP {20+}\r\nb COMPRESS DEFLATE\r\n\r\nc CHECK x\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("a BAD NOOP takes no arguments\r\nc BAD CHECK takes no arguments\r\n");
    }

    /** The proxy's own tags cannot be guessed: a hidden command could not have the server answer one of them. */
    @Test
    void theProxysOwnTagsAreUnpredictableInService() {
        final String one = ProxyCommands.unpredictablePrefix();
        final String two = ProxyCommands.unpredictablePrefix();
        assertThat(one).startsWith("mailpush").isNotEqualTo(two).hasSizeGreaterThan("mailpush".length() + 8);
        final CommandHead head = CommandHead.of(one + "1 NOOP\r\n");
        assertThat(head.wellFormed()).as("a tag a server takes").isTrue();
    }

    // ---- literal markers with leading zeros -----------------------------------------------------------------

    /** Servers read {0000000000000000000005+} as a literal of 5 bytes; so does the proxy. */
    @Test
    void aLiteralMarkerWithLeadingZerosIsStillALiteral() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX {0000000000000000000005+}\r\nhello\r\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX {0000000000000000000005+}\r\nhello\r\n");
        assertThat(proxy.toClient()).isEmpty();
    }

    /** The same before login, where it would have hidden a LOGIN: the literal is read and dropped with its line. */
    @Test
    void aLeadingZeroLiteralCannotHideALoginOfAnotherUser() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP {0000000000000000000020+}\r\n");
        proxy.clientSends("b APPEND INBOX {20+}\r\nb NOOP\r\nz NOOP {20+}\r\n");
        assertThat(proxy.toServer()).isEqualTo("b NOOP\r\n");
        proxy.serverSends("b OK NOOP completed.\r\n");
        proxy.clientSends("t LOGIN victim {27+}\r\nt LOGIN attacker attackerpw\r\n");
        assertThat(proxy.toServer()).isEqualTo("t LOGIN attacker attackerpw\r\n");
        proxy.serverSends("t OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("attacker");
    }

    // ---- LF-only line ends ----------------------------------------------------------------------------------

    /** "{5+}" before a bare LF is non-synchronizing, as servers read it: the bytes pass at once. */
    @Test
    void aNonSynchronizingLiteralOnAnLfOnlyLinePassesAtOnce() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX {5+}\nhello\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX {5+}\nhello\n");
    }

    /** The literal of a refused command on an LF-only line is data, dropped, never a command. */
    @Test
    void theLfOnlyLiteralOfARefusedCommandIsDroppedNotExecuted() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("x UNAUTHENTICATE {16+}\ny DELETE Trash\r\n\n");
        assertThat(proxy.toServer()).isEmpty();
    }

    // ---- long tags ------------------------------------------------------------------------------------------

    /** A tag longer than the proxy passes on is refused (Dovecot would answer it untagged); the session goes on. */
    @Test
    void aTagLongerThanSixtyFourBytesIsRefused() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        final String tag = "t".repeat(65);
        proxy.clientSends(tag + " LOGIN alice pw\r\nn NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("n NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("* BAD Invalid tag or command name\r\n");
        proxy.clientSends("t".repeat(64) + " NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("t".repeat(64) + " NOOP\r\n");
    }

    /** A server's tag is read whole: cut at 64 bytes, "A...AxOK NO" would read as an OK. */
    @Test
    void aResponseIsClassifiedWithItsWholeTag() {
        final String tag = "A".repeat(64) + "xOK";
        final ServerResponseTracker.Response response = ServerResponseTracker.classify(
                Unpooled.copiedBuffer(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
                        StandardCharsets.US_ASCII));
        assertThat(response.tag()).isEqualTo(tag);
        assertThat(response.ok()).isFalse();
    }

    // ---- a client that does not read ------------------------------------------------------------------------

    /**
     * Each refused line gets an answer of the proxy's own: a client that sends "\n" by the thousand and reads
     * nothing would make the proxy queue answers without bound. The client is read no further while it takes nothing.
     */
    @Test
    void aClientThatDoesNotReadIsNotReadEither() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        proxy.run();
        assertThat(proxy.client.isWritable()).isFalse();
        proxy.clientSends("\n".repeat(10_000));
        assertThat(proxy.toClient()).as("answers written to a client that takes none").isEmpty();
        proxy.client.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        proxy.run();
        assertThat(proxy.toClient()).as("read again once it takes bytes").startsWith("* BAD Invalid tag");
    }

    // ---- XAPPLEPUSHSERVICE at its limits --------------------------------------------------------------------

    /** At its limit a session refuses XAPPLEPUSHSERVICE before parsing it, whatever the command holds. */
    @Test
    void aSessionAtItsRegistrationLimitRefusesBeforeParsing() {
        proxy = new SessionHarness(SessionHarness.plain().maxRegistrations(1).build()).loggedIn("alice");
        proxy.clientSends("r0 XAPPLEPUSHSERVICE aps-version 1 aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail\r\n");
        assertThat(proxy.toClient()).endsWith("r0 OK XAPPLEPUSHSERVICE completed.\r\n");
        proxy.clientSends("r XAPPLEPUSHSERVICE ) not even an XAPPLEPUSHSERVICE\r\n");
        assertThat(proxy.toClient()).startsWith("r NO [LIMIT]");
    }

    /** 16,000 names in one command: parsed in one pass (a set), the first hundred distinct ones kept. */
    @Test
    void aHugeMailboxListKeepsTheFirstHundredDistinctNames() throws Exception {
        final StringBuilder names = new StringBuilder("INBOX INBOX");
        for (int i = 0; i < 16_000; i++) {
            names.append(' ').append(Integer.toString(i, 36));
        }
        final String command = "r XAPPLEPUSHSERVICE aps-version 2 aps-account-id A aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail mailboxes (" + names + ")\r\n";
        final org.mailpush.imap.codec.XApplePushServiceRequest request =
                org.mailpush.imap.codec.XApplePushServiceParser.parse(command.getBytes(StandardCharsets.US_ASCII));
        assertThat(request.mailboxes()).hasSize(org.mailpush.imap.codec.XApplePushServiceParser.MAX_MAILBOXES)
                .startsWith("INBOX", "0", "1").doesNotHaveDuplicates();
    }

    // ---- an oversized answer while registering --------------------------------------------------------------

    /**
     * A CAPABILITY answer over the bound of what the proxy keeps (ProxyCommands.MAX_RESPONSE_BYTES) states nothing
     * the proxy relies on; the registration goes on without it (it once threw NullPointerException).
     */
    @Test
    void anOversizedCapabilityAnswerDuringARegistrationIsNotAnException() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l LOGIN alice pw\r\n");
        proxy.serverSends("l OK Logged in\r\n");
        proxy.toServer();
        proxy.toClient();
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toServer()).isEqualTo("mailpush1 CAPABILITY\r\n");
        final StringBuilder many = new StringBuilder("* CAPABILITY IMAP4rev1 IDLE");
        for (int i = 0; many.length() < 70_000; i++) {
            many.append(" X-EXT-").append(i);
        }
        final java.util.List<Throwable> thrown = new java.util.ArrayList<>();
        proxy.server.pipeline().addBefore("upstream-events", "spy",
                new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(final io.netty.channel.ChannelHandlerContext ctx, final Throwable cause) {
                thrown.add(cause);
                ctx.fireExceptionCaught(cause);
            }
        });
        proxy.serverSends(many + "\r\nmailpush1 OK done\r\n");
        assertThat(thrown).as("exceptions in the upstream pipeline").isEmpty();
        assertThat(proxy.server.isOpen()).isTrue();
        assertThat(proxy.client.isOpen()).isTrue();
        assertThat(proxy.toServer()).as("no ACL known: STATUS alone").isEqualTo(
                "mailpush2 STATUS \"INBOX\" (MESSAGES)\r\n");
        proxy.serverSends("* STATUS \"INBOX\" (MESSAGES 1)\r\nmailpush2 OK done\r\n");
        assertThat(proxy.toClient()).endsWith("r OK XAPPLEPUSHSERVICE completed.\r\n");
    }

    // ---- server text passes byte for byte -------------------------------------------------------------------

    /** Where capabilities are rewritten, only the list changes: a Latin-1 greeting keeps every byte of its text. */
    @Test
    void aCapabilityRewriteChangesNoOtherByte() {
        proxy = new SessionHarness(SessionHarness.plain().build());
        proxy.serverSends("* OK [CAPABILITY IMAP4rev1] Willkommen in K\u00f6ln\r\n".getBytes(
                StandardCharsets.ISO_8859_1));
        assertThat(proxy.toClientBytes()).isEqualTo("* OK [CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE COMPRESS=DEFLATE]"
                + " Willkommen in K\u00f6ln\r\n");
    }

    // ---- a tag the server will not echo ---------------------------------------------------------------------

    /**
     * Dovecot imap-login (imap_is_valid_tag) refuses a tag with '/' and answers "* BAD" untagged: forwarded, the tag
     * would stay outstanding for ever and the LOGIN (which waits for quiet) never go out. The proxy refuses it.
     */
    @Test
    void aTagTheServerWouldAnswerUntaggedIsRefusedByTheProxy() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a/b NOOP\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("* BAD Invalid tag or command name\r\n");
        proxy.clientSends("l LOGIN alice pw\r\n");
        assertThat(proxy.toServer()).isEqualTo("l LOGIN alice pw\r\n");
    }

    // ---- the per-address share for IPv6 ---------------------------------------------------------------------

    /** An IPv6 client holds a whole /64: its share is per prefix, or one client could take every slot. */
    @Test
    void oneIpv6PrefixGetsOneAddresssShare() throws Exception {
        final ConnectionAdmission admission = new ConnectionAdmission(100, 10);
        int admitted = 0;
        for (int i = 1; i <= 100; i++) {
            final java.net.InetAddress address =
                    java.net.InetAddress.getByName("2001:db8:1:2::" + Integer.toHexString(i));
            if (admission.admit(address) == ConnectionAdmission.Verdict.ADMITTED) {
                admitted++;
            }
        }
        assertThat(admitted).as("connections admitted from one /64").isEqualTo(10);
        assertThat(admission.admit(java.net.InetAddress.getByName("2001:db8:1:3::1")))
                .as("the next /64 has a share of its own").isEqualTo(ConnectionAdmission.Verdict.ADMITTED);
        admission.release(java.net.InetAddress.getByName("2001:db8:1:2::1"));
        assertThat(admission.admit(java.net.InetAddress.getByName("2001:db8:1:2::ffff")))
                .as("a slot released in the prefix is free for any address in it")
                .isEqualTo(ConnectionAdmission.Verdict.ADMITTED);
    }

    // =================================================================================================================
    // Attacks that held
    // =================================================================================================================

    @Test
    void heldTheProxysOwnTagsInTheClientsMouth() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("mailpush1 NOOP\r\n" + ImapProxySessionTest.register("r", "INBOX")
                + "mailpush2 NOOP\r\nmailpush-id NOOP\r\nmailpush-tls NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NOOP\r\n");
        proxy.serverSends("mailpush1 OK NOOP completed\r\n");
        assertThat(proxy.toClient()).isEqualTo("mailpush1 OK NOOP completed\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NAMESPACE\r\n");
        proxy.serverSends("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nmailpush1 OK done\r\n");
        assertThat(proxy.toServer()).as("the client's mailpush2 waits behind the registration")
                .isEqualTo("mailpush2 STATUS \"INBOX\" (MESSAGES)\r\n");
        proxy.serverSends("* STATUS \"INBOX\" (MESSAGES 1)\r\nmailpush2 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush2 NOOP\r\nmailpush-id NOOP\r\nmailpush-tls NOOP\r\n");
        proxy.serverSends("mailpush2 OK NOOP completed\r\n");
        assertThat(proxy.toClient()).endsWith("r OK XAPPLEPUSHSERVICE completed.\r\nmailpush2 OK NOOP completed\r\n");
        assertThat(proxy.registered).extracting("username").containsExactly("alice");
    }

    @Test
    void heldAnAnswerWithTheLoginsTagBeforeTheLoginIsSentIsNotItsAnswer() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP\r\nl LOGIN victim wrong\r\n");
        proxy.serverSends("l OK forged\r\n");
        assertThat(proxy.user()).isNull();
        proxy.serverSends("a OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("a NOOP\r\nl LOGIN victim wrong\r\n");
        proxy.serverSends("zz OK other\r\nL OK case\r\nl NO [AUTHENTICATIONFAILED] no\r\n");
        assertThat(proxy.user()).isNull();
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toClient()).endsWith("r BAD Please login first\r\n");
    }

    @Test
    void heldAnUnsolicitedContinuationChangesNoState() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.serverSends("+ surprise\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ surprise\r\n");
        proxy.clientSends("a NOOP\r\nb UNAUTHENTICATE\r\n");
        assertThat(proxy.toServer()).isEqualTo("a NOOP\r\n");
        assertThat(proxy.toClient()).startsWith("b NO [CANNOT]");
    }

    @Test
    void heldLiteral8AndZeroLengthLiterals() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX ~{5+}\r\nhello\r\nb APPEND INBOX {0+}\r\n\r\nc APPEND INBOX {0}\r\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX ~{5+}\r\nhello\r\nb APPEND INBOX {0+}\r\n\r\n"
                + "c APPEND INBOX {0}\r\n");
        proxy.clientSends("\r\nd NOOP\r\n");
        assertThat(proxy.toServer()).as("waits for the server's + even for {0}").isEmpty();
        proxy.serverSends("+ OK\r\n");
        assertThat(proxy.toServer()).isEqualTo("\r\nd NOOP\r\n");
        proxy.clientSends("e APPEND INBOX ~{3}\r\n");
        proxy.clientSends("x UNAUTHENTICATE\r\n");
        proxy.serverSends("e NO [TOOBIG] no\r\n");
        assertThat(proxy.toServer()).isEqualTo("e APPEND INBOX ~{3}\r\n");
        assertThat(proxy.toClient()).endsWith("x NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
    }

    @Test
    void heldIdleAndDoneSplitAcrossReadsAndPipelinedBeforeThePlus() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("i IDLE\r\nDO");
        proxy.clientSends("NE\r\nu UNAUTHENTICATE\r\n");
        assertThat(proxy.toServer()).isEqualTo("i IDLE\r\n");
        proxy.serverSends("+ idling\r\n");
        assertThat(proxy.toServer()).isEqualTo("DONE\r\n");
        assertThat(proxy.toClient()).endsWith("u NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
        // IDLE refused: the DONE the client pipelined is a command line, refused, never sent.
        proxy.serverSends("i OK Idle completed.\r\n");
        proxy.clientSends("j IDLE\r\nDONE\r\n");
        proxy.serverSends("j BAD no mailbox selected\r\n");
        assertThat(proxy.toServer()).isEqualTo("j IDLE\r\n");
        assertThat(proxy.toClient()).endsWith("* BAD Invalid tag or command name\r\n");
    }

    @Test
    void heldPlaintextInjectedWhileTheStartTlsOkWaitsForABoundaryEndsTheSession() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().allowPlainLogin(false).serverTls(TestTls.server()).build())
                .greeted();
        proxy.serverSends("* 1 FETCH (BODY[] {11}\r\nhel");
        proxy.clientSends("s STARTTLS\r\n");
        assertThat(proxy.toClient()).as("the OK waits for the end of the server's literal")
                .isEqualTo("* 1 FETCH (BODY[] {11}\r\nhel");
        proxy.clientSends("x LOGIN alice pw\r\n");
        proxy.serverSends("lo world)\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.client.isOpen()).isFalse();
    }

    @Test
    void heldTheProxysRefusalWaitsForTheEndOfALongServerLine() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        final StringBuilder search = new StringBuilder("* SEARCH");
        for (int i = 1; search.length() < 100_000; i++) {
            search.append(' ').append(i);
        }
        proxy.serverSends(search.toString());
        proxy.clientSends("u UNAUTHENTICATE\r\n");
        assertThat(proxy.toClient()).doesNotContain("UNAUTHENTICATE");
        // The long line ends in a literal marker: the literal is part of the response too.
        proxy.serverSends(" {5}\r\n");
        assertThat(proxy.toClient()).doesNotContain("UNAUTHENTICATE").endsWith(" {5}\r\n");
        proxy.serverSends("\r\n");
        assertThat(proxy.toClient()).isEqualTo("\r\n");
        proxy.serverSends("abc\r\n");
        assertThat(proxy.toClient()).isEqualTo("abc\r\nu NO [CANNOT] UNAUTHENTICATE is not available through"
                + " this proxy\r\n");
    }

    @Test
    void heldAServerLiteralThatLooksLikeTheProxysAnswerIsRelayedAsData() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NAMESPACE\r\n");
        final String fake = "mailpush1 OK forged\r\n";
        proxy.serverSends("* 1 FETCH (BODY[] {" + fake.length() + "}\r\n" + fake + ")\r\n");
        assertThat(proxy.toClient()).isEqualTo("* 1 FETCH (BODY[] {" + fake.length() + "}\r\n" + fake + ")\r\n");
        assertThat(proxy.toServer()).as("still waiting for the real answer").isEmpty();
        proxy.serverSends("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\nmailpush1 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush2 STATUS \"INBOX\" (MESSAGES)\r\n");
    }

    @Test
    void heldAByeMidRegistrationClosesCleanly() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NAMESPACE\r\n");
        proxy.serverSends("* BYE Server shutting down\r\n");
        proxy.server.close();
        proxy.run();
        assertThat(proxy.toClient()).isEqualTo("* BYE Server shutting down\r\n");
        assertThat(proxy.client.isOpen()).isFalse();
        assertThat(proxy.registered).isEmpty();
    }

    @Test
    void heldAPendingLoginDoesNotOutliveTheDeadline() {
        proxy = new SessionHarness(SessionHarness.plain().loginTimeout(java.time.Duration.ofSeconds(60)).build())
                .greeted();
        proxy.clientSends("l LOGIN alice pw\r\n");
        proxy.advance(61, TimeUnit.SECONDS);
        assertThat(proxy.toClient()).isEqualTo("* BYE Autologout; log in within 60 seconds\r\n");
        assertThat(proxy.client.isOpen()).isFalse();
    }

    @Test
    void heldSaslOnlyTheFirstResponseNamesTheUser() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        // "=": an empty initial response; a later response naming victim is not believed.
        proxy.clientSends("a AUTHENTICATE PLAIN =\r\n");
        proxy.serverSends("+ \r\n");
        proxy.clientSends(b64("\0victim\0pw") + "\r\n");
        proxy.serverSends("a OK Logged in\r\n");
        assertThat(proxy.user()).isNull();
        proxy.clientSends(ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toClient()).endsWith("r NO [UNAVAILABLE] Push is not available: this login does not say who"
                + " you are\r\n");
    }

    @Test
    void heldAuthenticateLinesAreNeverLiteralsAndTheTaggedAnswerEndsTheExchange() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a AUTHENTICATE LOGIN\r\n");
        proxy.serverSends("+ VXNlcm5hbWU6\r\n");
        proxy.clientSends("{5}\r\nb LOGIN victim pw\r\n");
        assertThat(proxy.toServer()).as("not base64: sent as a cancel").isEqualTo("a AUTHENTICATE LOGIN\r\n*\r\n");
        proxy.serverSends("a BAD Authentication aborted by client.\r\n");
        assertThat(proxy.toServer()).isEqualTo("b LOGIN victim pw\r\n");
        proxy.serverSends("b NO [AUTHENTICATIONFAILED] no\r\n");
        assertThat(proxy.user()).isNull();
    }

    @Test
    void heldMalformedLinesNulCrAndStarTags() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP\rb LOGIN victim x\r\n* NOOP\r\n+ NOOP\r\nc NO\u0000OP\r\n\u0000 LOGIN a b\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("* BAD Invalid tag or command name\r\n".repeat(5));
    }

    @Test
    void heldAHugeLiteralIsRefusedBeforeItIsRead() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX {999999999999999999+}\r\n");
        assertThat(proxy.toClient()).isEqualTo("* BYE [TOOBIG] Literal too long\r\n");
        assertThat(proxy.client.isOpen()).isFalse();
    }

    @Test
    void heldXApplePushServiceAndIdWithLiteralsNeverReachTheServerAsLiterals() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("r XAPPLEPUSHSERVICE aps-account-id {3}\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ Ready for literal data\r\n");
        proxy.clientSends("abc aps-device-token " + TOKEN + "\r\n");
        assertThat(proxy.toClient()).isEqualTo("r BAD Please login first\r\n");
        final String crlf = "a\r\nb LOGIN x";
        proxy.clientSends("i ID (\"name\" {" + crlf.length() + "+}\r\n" + crlf + " \"os\" \"iOS\")\r\n");
        assertThat(proxy.toServer()).isEqualTo("i ID (\"os\" \"iOS\")\r\n");
    }

    @Test
    void heldALoginWithALiteralUserHoldsWhatFollowsUntilItsAnswer() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l LOGIN {6+}\r\nvictim pw\r\nx NOOP\r\n" + ImapProxySessionTest.register("r", "INBOX"));
        assertThat(proxy.toServer()).isEqualTo("l LOGIN victim pw\r\n");
        proxy.serverSends("l NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        assertThat(proxy.toServer()).isEqualTo("x NOOP\r\n");
        assertThat(proxy.user()).isNull();
        assertThat(proxy.toClient()).endsWith("r BAD Please login first\r\n");
    }
}
