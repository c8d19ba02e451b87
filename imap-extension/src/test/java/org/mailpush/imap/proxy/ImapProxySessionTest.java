package org.mailpush.imap.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mailpush.store.Registration;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session between an in-memory phone and an in-memory server ({@link SessionHarness}): what reaches the server,
 * what reaches the phone and who the session belongs to, for the ordinary sequences and for the hostile ones the
 * proxy must survive facing the internet. No sockets, no sleeps; time moves only in {@link
 * #aSessionThatDoesNotLogInIsClosedAtTheDeadline}.
 */
class ImapProxySessionTest {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";

    private SessionHarness proxy;

    @AfterEach
    void close() {
        if (proxy != null) {
            proxy.close();
        }
    }

    static String register(final String tag, final String mailboxes) {
        return tag + " XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail mailboxes (" + mailboxes + ")\r\n";
    }

    // ---- ordinary traffic ----------------------------------------------------------------------------------------

    @Test
    void theGreetingIsRelayedWithItsCapabilitiesRewritten() {
        proxy = new SessionHarness(SessionHarness.plain().build());
        assertThat(proxy.toClient()).as("nothing before the server greets").isEmpty();
        proxy.serverSends("* OK [CAPABILITY IMAP4rev1 STARTTLS COMPRESS=DEFLATE UNAUTHENTICATE AUTH=PLAIN] hi\r\n");
        assertThat(proxy.toClient()).isEqualTo(
                "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN XAPPLEPUSHSERVICE COMPRESS=DEFLATE]"
                + " hi\r\n");
    }

    @Test
    void commandsAndAnswersPassUnchangedAndInOrder() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a NOOP\r\nb SELECT INBOX\r\nc FETCH 1 (BODY[])\r\n");
        assertThat(proxy.toServer()).isEqualTo("a NOOP\r\nb SELECT INBOX\r\nc FETCH 1 (BODY[])\r\n");
        proxy.serverSends("a OK done\r\n* 1 EXISTS\r\nb OK [READ-WRITE] done\r\n* 1 FETCH (BODY[] {5}\r\nhello)\r\n"
                + "c OK done\r\n");
        assertThat(proxy.toClient()).isEqualTo("a OK done\r\n* 1 EXISTS\r\nb OK [READ-WRITE] done\r\n"
                + "* 1 FETCH (BODY[] {5}\r\nhello)\r\nc OK done\r\n");
    }

    @Test
    void aLoginSetsTheUserOnlyOnTheServersOkToThatLogin() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l1 LOGIN alice wrong\r\n");
        assertThat(proxy.toServer()).isEqualTo("l1 LOGIN alice wrong\r\n");
        proxy.serverSends("l1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
        assertThat(proxy.user()).isNull();
        proxy.clientSends("l2 LOGIN alice right\r\n");
        proxy.serverSends("l2 OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
    }

    // ---- authentication state is exact -----------------------------------------------------------------------------

    @Test
    void aNoopAndAFailedLoginWithTheSameTagDoNotLogAnyoneIn() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        // The attack: the NOOP's OK must not be taken as the LOGIN's.
        proxy.clientSends("x NOOP\r\nx LOGIN victim wrong-password\r\n");
        assertThat(proxy.toServer()).isEqualTo("x NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("x BAD Tag x is already in use by a command in progress\r\n");
        proxy.serverSends("x OK NOOP completed\r\n");
        assertThat(proxy.toClient()).isEqualTo("x OK NOOP completed\r\n");
        assertThat(proxy.user()).isNull();

        proxy.clientSends(register("p", "INBOX"));
        assertThat(proxy.toClient()).isEqualTo("p BAD Please login first\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.registered).isEmpty();
        assertThat(proxy.counters.protocolViolations()).isEqualTo(1);
    }

    @Test
    void aLoginWaitsUntilNothingElseIsOutstandingAndTheClientWaitsForItsAnswer() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a NOOP\r\nb LOGIN alice pw\r\nc NOOP\r\n");
        assertThat(proxy.toServer()).as("the login waits for a's answer").isEqualTo("a NOOP\r\n");
        proxy.serverSends("a OK done\r\n");
        assertThat(proxy.toServer()).as("c waits for the login's answer").isEqualTo("b LOGIN alice pw\r\n");
        proxy.serverSends("b OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
        assertThat(proxy.toServer()).isEqualTo("c NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("a OK done\r\nb OK Logged in\r\n");
    }

    @Test
    void aSecondLoginNeverReachesTheServerAndTheUserNeverChanges() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("m LOGIN bob pw\r\nn AUTHENTICATE PLAIN AGJvYgBwdw==\r\nu UNAUTHENTICATE\r\n");
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("m BAD Already logged in\r\nn BAD Already logged in\r\n"
                + "u NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
    }

    @Test
    void loginWithLiteralsIsReadWholeAndSentAsOneLineThatNamesTheUser() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l LOGIN {5}\r\n");
        assertThat(proxy.toClient()).as("the proxy reads the literal itself").isEqualTo("+ Ready for literal data\r\n");
        proxy.clientSends("alice {2}\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ Ready for literal data\r\n");
        assertThat(proxy.toServer()).isEmpty();
        proxy.clientSends("pw\r\n");
        assertThat(proxy.toServer()).isEqualTo("l LOGIN alice pw\r\n");
        proxy.serverSends("l OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
        assertThat(proxy.toClient()).isEqualTo("l OK Logged in\r\n");
    }

    @Test
    void authenticatePlainNamesTheAuthorizationIdentityAndOneResponsePerContinuation() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        // authzid "bob", authcid "alice": the server logs in bob (a master-user login) or fails.
        final String plain = java.util.Base64.getEncoder().encodeToString("bob\0alice\0pw".getBytes());
        proxy.clientSends("a AUTHENTICATE PLAIN\r\n" + plain + "\r\nb NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("a AUTHENTICATE PLAIN\r\n");
        proxy.serverSends("+ \r\n");
        assertThat(proxy.toServer()).isEqualTo(plain + "\r\n");
        proxy.serverSends("a OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("bob");
        assertThat(proxy.toServer()).isEqualTo("b NOOP\r\n");
    }

    @Test
    void authenticateLoginTakesOneResponsePerChallengeAndNamesTheFirst() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("c1 AUTHENTICATE LOGIN\r\n");
        proxy.serverSends("+ VXNlcm5hbWU6\r\n");
        proxy.clientSends("YWxpY2U=\r\n");
        assertThat(proxy.toServer()).isEqualTo("c1 AUTHENTICATE LOGIN\r\nYWxpY2U=\r\n");
        proxy.serverSends("+ UGFzc3dvcmQ6\r\n");
        proxy.clientSends("cHc=\r\n");
        assertThat(proxy.toServer()).isEqualTo("cHc=\r\n");
        proxy.serverSends("c1 OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
        assertThat(proxy.toClient()).isEqualTo("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\nc1 OK Logged in\r\n");
    }

    @Test
    void authenticateWithAnInitialResponseAndCancelledAuthenticate() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a AUTHENTICATE PLAIN\r\n");
        proxy.serverSends("+ \r\n");
        proxy.clientSends("*\r\n");
        proxy.serverSends("a BAD Authentication aborted by client\r\n");
        assertThat(proxy.user()).isNull();
        final String plain = java.util.Base64.getEncoder().encodeToString("\0carol\0pw".getBytes());
        proxy.clientSends("b AUTHENTICATE PLAIN " + plain + "\r\n");
        proxy.serverSends("b OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("carol");
        assertThat(proxy.toServer()).isEqualTo("a AUTHENTICATE PLAIN\r\n*\r\nb AUTHENTICATE PLAIN " + plain + "\r\n");
    }

    // ---- continuations -------------------------------------------------------------------------------------------

    @Test
    void idleEndsAtDoneAndWhatIsPipelinedAfterDoneIsReadAsCommands() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("i IDLE\r\n");
        proxy.serverSends("+ idling\r\n");
        proxy.clientSends("DONE\r\nx UNAUTHENTICATE\r\n" + register("r", "INBOX"));
        assertThat(proxy.toServer()).isEqualTo("i IDLE\r\nDONE\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ idling\r\nx NO [CANNOT] UNAUTHENTICATE is not available through"
                + " this proxy\r\n");
        proxy.serverSends("i OK Idle completed\r\n");
        // Now nothing is outstanding: the registration runs, asking the server first.
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NAMESPACE\r\n");
    }

    @Test
    void anythingButDoneDuringIdleEndsItWithoutReachingTheServer() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("i IDLE\r\n");
        proxy.serverSends("+ idling\r\n");
        proxy.clientSends("z DELETE INBOX\r\n");
        assertThat(proxy.toServer()).isEqualTo("i IDLE\r\nDONE\r\n");
        assertThat(proxy.counters.protocolViolations()).isEqualTo(1);
    }

    @Test
    void aLoginHiddenBehindIdleOnThePlainPortDoesNotBypassLoginDisabled() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().allowPlainLogin(false)
                .serverTls(TestTls.server()).build()).greeted();
        proxy.clientSends("i IDLE\r\nx LOGIN alice pw\r\n");
        // IDLE is not a command of the not-authenticated state: the proxy answers it, and the next line is a
        // command for the proxy as it would be for the server.
        assertThat(proxy.toServer()).isEmpty();
        assertThat(proxy.toClient()).isEqualTo("i BAD IDLE is not available before login\r\n"
                + "x NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in\r\n");
    }

    @Test
    void aSynchronizingLiteralCountsOnlyAfterTheServersContinuation() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX {5}\r\n");
        // A client that does not wait: its bytes wait in the proxy, unread.
        proxy.clientSends("hello\r\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX {5}\r\n");
        proxy.serverSends("+ Ready for literal data\r\n");
        assertThat(proxy.toServer()).isEqualTo("hello\r\n");
        proxy.serverSends("a OK [APPENDUID 1 1] Append completed\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ Ready for literal data\r\na OK [APPENDUID 1 1] Append completed\r\n");
    }

    @Test
    void aLiteralTheServerRefusesRestoresCommandFraming() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("a APPEND INBOX {64}\r\n");
        proxy.serverSends("a NO [TOOBIG] Message too large\r\n");
        // Not literal data: a command, which the proxy answers itself.
        proxy.clientSends("b UNAUTHENTICATE\r\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX {64}\r\n");
        assertThat(proxy.toClient()).isEqualTo("a NO [TOOBIG] Message too large\r\n"
                + "b NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
    }

    @Test
    void nonSynchronizingLiteralsPassAtOnceAndTextLikeCommandsInsideThemIsData() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        final String body = "x COMPRESS DEFLATE\r\ny LOGIN bob pw\r\n";
        proxy.clientSends("a APPEND INBOX {" + body.length() + "+}\r\n" + body + "\r\nb NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("a APPEND INBOX {" + body.length() + "+}\r\n" + body + "\r\nb NOOP\r\n");
        assertThat(proxy.toClient()).isEmpty();
    }

    @Test
    void aRefusedCommandsNonSynchronizingLiteralIsReadAndDropped() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        // The literal is "b NOOP\r\n\r\n", the line after it ends the refused command, then d.
        proxy.clientSends("c UNAUTHENTICATE {10+}\r\nb NOOP\r\n\r\n LOGIN x\r\nd NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("d NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("c NO [CANNOT] UNAUTHENTICATE is not available through this proxy"
                + "\r\n");
    }

    // ---- STARTTLS ------------------------------------------------------------------------------------------------

    @Test
    void bytesAfterStartTlsInTheSameReadGetBadAndNoTls() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().allowPlainLogin(false)
                .serverTls(TestTls.server()).build()).greeted();
        proxy.clientSends("s STARTTLS\r\nx LOGIN alice pw\r\n");
        assertThat(proxy.toClient()).isEqualTo("s BAD STARTTLS must be the last command sent before TLS\r\n"
                + "x NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in\r\n");
        assertThat(proxy.client.pipeline().get("tls")).isNull();
        assertThat(proxy.toServer()).isEmpty();
    }

    @Test
    void startTlsWithACommandOutstandingGetsBad() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().serverTls(TestTls.server()).build()).greeted();
        proxy.clientSends("n NOOP\r\n");
        proxy.clientSends("s STARTTLS\r\n");
        assertThat(proxy.toClient()).isEqualTo("s BAD STARTTLS must be the last command sent before TLS\r\n");
        assertThat(proxy.client.pipeline().get("tls")).isNull();
    }

    @Test
    void startTlsWritesItsOkInPlainTextBeforeTlsAndReadsNothingUntilTheHandshake() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().allowPlainLogin(false)
                .serverTls(TestTls.server()).build()).greeted();
        proxy.clientSends("s STARTTLS\r\n");
        assertThat(proxy.toClient()).isEqualTo("s OK Begin TLS negotiation now\r\n");
        assertThat(proxy.client.pipeline().first()).isInstanceOf(io.netty.handler.ssl.SslHandler.class);
        try (TestTls.Phone phone = TestTls.phone(proxy)) {
            phone.handshake();
            phone.send("c CAPABILITY\r\n");
            assertThat(proxy.toServer()).isEqualTo("c CAPABILITY\r\n");
            proxy.serverSends("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nc OK done\r\n");
            assertThat(phone.received()).isEqualTo(
                    "* CAPABILITY IMAP4rev1 AUTH=PLAIN XAPPLEPUSHSERVICE COMPRESS=DEFLATE"
                    + "\r\nc OK done\r\n");
            phone.send("l LOGIN alice pw\r\n");
            assertThat(proxy.toServer()).isEqualTo("l LOGIN alice pw\r\n");
        }
    }

    // ---- COMPRESS ----------------------------------------------------------------------------------------------

    private static byte[] deflate(final java.util.zip.Deflater deflater, final String text) {
        deflater.setInput(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        final byte[] out = new byte[4096];
        final int n = deflater.deflate(out, 0, out.length, java.util.zip.Deflater.SYNC_FLUSH);
        return java.util.Arrays.copyOf(out, n);
    }

    private static String inflate(final java.util.zip.Inflater inflater, final String bytes) throws Exception {
        inflater.setInput(bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        final byte[] out = new byte[65536];
        final int n = inflater.inflate(out);
        return new String(out, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void afterCompressBothWaysAreDeflatedOnThePhonesLegAndTheServerSeesPlainImap() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("z COMPRESS DEFLATE\r\n");
        assertThat(proxy.toClient()).as("the OK itself uncompressed").isEqualTo("z OK DEFLATE active\r\n");
        assertThat(proxy.toServer()).as("the server never knows").isEmpty();
        final java.util.zip.Deflater phoneOut = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION,
                true);
        final java.util.zip.Inflater phoneIn = new java.util.zip.Inflater(true);
        proxy.clientSends(deflate(phoneOut, "n NOOP\r\n"));
        assertThat(proxy.toServer()).isEqualTo("n NOOP\r\n");
        proxy.serverSends("* 3 EXISTS\r\nn OK NOOP completed\r\n");
        assertThat(inflate(phoneIn, proxy.toClientBytes())).isEqualTo("* 3 EXISTS\r\nn OK NOOP completed\r\n");
        // The proxy still reads the commands: a registration is its own, answered compressed.
        proxy.clientSends(deflate(phoneOut, "r XAPPLEPUSHSERVICE aps-version 1 aps-account-id A aps-device-token "
                + TOKEN + " aps-subtopic com.apple.mobilemail\r\nz2 COMPRESS DEFLATE\r\n"));
        assertThat(inflate(phoneIn, proxy.toClientBytes())).endsWith("r OK XAPPLEPUSHSERVICE completed.\r\n"
                + "z2 BAD COMPRESS is active already\r\n");
        assertThat(proxy.registered).hasSize(1);
        assertThat(proxy.counters.compressedSessions()).isEqualTo(1);
    }

    @Test
    void compressIsRefusedBeforeLoginWithBytesAfterItOrWhenNotOffered() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("a COMPRESS DEFLATE\r\n");
        assertThat(proxy.toClient()).isEqualTo("a BAD COMPRESS DEFLATE, after login\r\n");
        proxy.clientSends("l LOGIN alice pw\r\n");
        proxy.serverSends("l OK Logged in\r\n");
        proxy.toClient();
        proxy.clientSends("b COMPRESS DEFLATE\r\nn NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("b BAD COMPRESS must be the last command sent before compression\r\n");
        assertThat(proxy.toServer()).endsWith("n NOOP\r\n");
        proxy.serverSends("n OK done\r\n");
        assertThat(proxy.toClient()).as("not compressed").isEqualTo("n OK done\r\n");
        proxy.close();
        proxy = new SessionHarness(SessionHarness.plain().compress(false).build()).loggedIn("alice");
        proxy.clientSends("c COMPRESS DEFLATE\r\n");
        assertThat(proxy.toClient()).isEqualTo("c NO [CANNOT] COMPRESS is not available through this proxy\r\n");
    }

    @Test
    void aDecompressionBombEndsTheSessionNotTheMemory() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("z COMPRESS DEFLATE\r\n");
        proxy.toClient();
        final java.util.zip.Deflater bomb = new java.util.zip.Deflater(9, true);
        bomb.setInput(new byte[64 * 1024 * 1024]);
        bomb.finish();
        final byte[] out = new byte[1024 * 1024];
        final int n = bomb.deflate(out);
        assertThat(n).as("64 MiB of zeros, compressed").isLessThan(100_000);
        proxy.clientSends(java.util.Arrays.copyOf(out, n));
        assertThat(proxy.client.isOpen()).isFalse();
    }

    // ---- the proxy's own output ----------------------------------------------------------------------------------

    @Test
    void theProxysAnswerWaitsForTheEndOfTheServersLiteralAndLaterCommandsWaitBehindIt() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("f FETCH 1 BODY[]\r\n");
        proxy.serverSends("* 1 FETCH (BODY[] {20}\r\n0123456789");
        // Mid-literal: the proxy's refusal must not land inside the message.
        proxy.clientSends("p UNAUTHENTICATE\r\nn NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("* 1 FETCH (BODY[] {20}\r\n0123456789");
        assertThat(proxy.toServer()).isEqualTo("f FETCH 1 BODY[]\r\n");
        proxy.serverSends("abcdefghij)\r\n");
        assertThat(proxy.toClient()).isEqualTo("abcdefghij)\r\n"
                + "p NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
        assertThat(proxy.toServer()).isEqualTo("n NOOP\r\n");
    }

    @Test
    void theProxysLiteralContinuationAlsoWaitsForABoundary() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("f FETCH 1 BODY[]\r\n");
        proxy.serverSends("* 1 FETCH (BODY[] {4}\r\nab");
        proxy.clientSends("r XAPPLEPUSHSERVICE aps-version 2 aps-account-id {3}\r\n");
        assertThat(proxy.toClient()).isEqualTo("* 1 FETCH (BODY[] {4}\r\nab");
        proxy.serverSends("cd)\r\n");
        assertThat(proxy.toClient()).isEqualTo("cd)\r\n+ Ready for literal data\r\n");
    }

    // ---- capabilities --------------------------------------------------------------------------------------------

    @Test
    void capabilityLikeTextInMessageDataAndMailboxNamesIsNeverRewritten() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.clientSends("f FETCH 1 ENVELOPE\r\n");
        final String data = "* 1 FETCH (ENVELOPE (NIL \"[CAPABILITY IMAP4rev1 COMPRESS=DEFLATE]\" NIL))\r\n"
                + "* LIST () \"/\" \"* CAPABILITY COMPRESS=DEFLATE\"\r\n"
                + "* OK [ALERT] see [CAPABILITY COMPRESS=DEFLATE]\r\n"
                + "* 2 FETCH (BODY[] {37}\r\n* OK [CAPABILITY COMPRESS=DEFLATE]\r\n)\r\n";
        proxy.serverSends(data + "f OK done\r\n");
        assertThat(proxy.toClient()).isEqualTo(data + "f OK done\r\n");
        proxy.clientSends("c CAPABILITY\r\n");
        proxy.serverSends("* CAPABILITY IMAP4rev1 COMPRESS=DEFLATE\r\nc OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE]"
                + " done\r\n");
        // The server's COMPRESS is not passed on; the proxy's own (on the phone's leg) is stated instead.
        assertThat(proxy.toClient()).isEqualTo("* CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE COMPRESS=DEFLATE\r\n"
                + "c OK [CAPABILITY IMAP4rev1 XAPPLEPUSHSERVICE COMPRESS=DEFLATE] done\r\n");
    }

    @Test
    void aStatusTextEndingInABraceIsNotALiteral() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        // A server that echoes a client-chosen name at the end of an error: "{12}" there is text.
        proxy.clientSends("s LOGIN x{12} pw\r\n");
        assertThat(proxy.toServer()).isEqualTo("s LOGIN \"x{12}\" pw\r\n");
        proxy.serverSends("s NO [AUTHENTICATIONFAILED] No such user: x{12}\r\n");
        proxy.clientSends("l LOGIN alice pw\r\n");
        assertThat(proxy.toServer()).isEqualTo("l LOGIN alice pw\r\n");
        proxy.serverSends("l OK Logged in\r\n");
        assertThat(proxy.user()).isEqualTo("alice");
    }

    // ---- XAPPLEPUSHSERVICE ---------------------------------------------------------------------------------------

    @Test
    void onlyMailboxesTheUserMayReadInTheirOwnNamespaceAreConfirmed() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l1 LOGIN alice pw\r\n");
        proxy.serverSends("l1 OK [CAPABILITY IMAP4rev1 ACL NAMESPACE IDLE] Logged in\r\n");
        proxy.toServer();
        proxy.toClient();
        proxy.clientSends(register("r", "INBOX \"Shared/bob/Box\" Lookup Missing"));
        assertThat(proxy.toServer()).isEqualTo("mailpush1 NAMESPACE\r\n");
        proxy.serverSends("* NAMESPACE ((\"\" \"/\")) NIL ((\"Shared/\" \"/\"))\r\nmailpush1 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush2 MYRIGHTS \"INBOX\"\r\n");
        proxy.serverSends("* MYRIGHTS \"INBOX\" lrswipkxtecda\r\n* 3 EXISTS\r\nmailpush2 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush3 STATUS \"INBOX\" (MESSAGES)\r\n");
        proxy.serverSends("* STATUS \"INBOX\" (MESSAGES 3)\r\nmailpush3 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush4 MYRIGHTS \"Lookup\"\r\n");
        proxy.serverSends("* MYRIGHTS \"Lookup\" l\r\nmailpush4 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush5 MYRIGHTS \"Missing\"\r\n");
        // Dovecot: the rights a mailbox would have, though it does not exist; STATUS tells.
        proxy.serverSends("* MYRIGHTS \"Missing\" lrswipkxtecda\r\nmailpush5 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush6 STATUS \"Missing\" (MESSAGES)\r\n");
        proxy.serverSends("mailpush6 NO [NONEXISTENT] Mailbox doesn't exist\r\n");
        assertThat(proxy.toClient()).as("the proxy's own commands' answers stay in the proxy").isEqualTo(
                "* 3 EXISTS\r\n* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"\r\n"
                        + "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + SessionHarness.TOPIC + "\"\r\n"
                        + "r OK XAPPLEPUSHSERVICE completed.\r\n");
        final Registration stored = proxy.registered.get(0);
        assertThat(stored.username()).isEqualTo("alice");
        assertThat(stored.mailboxes()).containsExactly("INBOX");
        assertThat(proxy.counters.registrations()).isEqualTo(1);
    }

    @Test
    void withoutAclAMailboxIsConfirmedWhenStatusOnItSucceeds() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("l1 LOGIN alice pw\r\n");
        proxy.serverSends("l1 OK Logged in\r\n");
        proxy.toServer();
        proxy.clientSends(register("r", "INBOX Sent"));
        assertThat(proxy.toServer()).as("no capabilities since login: asked").isEqualTo("mailpush1 CAPABILITY\r\n");
        proxy.serverSends("* CAPABILITY IMAP4rev1 IDLE\r\nmailpush1 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush2 STATUS \"INBOX\" (MESSAGES)\r\n");
        proxy.serverSends(
                "* STATUS \"Other\" (MESSAGES 9)\r\n* STATUS \"INBOX\" (MESSAGES 2)\r\nmailpush2 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush3 STATUS \"Sent\" (MESSAGES)\r\n");
        proxy.serverSends("mailpush3 NO [NOPERM] Permission denied\r\n");
        assertThat(proxy.toClient()).startsWith("l1 OK Logged in\r\n* STATUS \"Other\" (MESSAGES 9)\r\n"
                + "* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"\r\n");
        assertThat(proxy.registered.get(0).mailboxes()).containsExactly("INBOX");
    }

    @Test
    void aRegistrationWaitsForTheClientsOwnCommandsAndTheNextCommandWaitsForTheRegistration() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.holdRegistrations();
        proxy.clientSends("a NOOP\r\n" + "r XAPPLEPUSHSERVICE aps-version 1 aps-account-id ACC aps-device-token "
                + TOKEN + " aps-subtopic com.apple.mobilemail\r\nb NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("a NOOP\r\n");
        proxy.serverSends("a OK done\r\n");
        assertThat(proxy.registered).hasSize(1);
        assertThat(proxy.toServer()).as("b waits for the registration's answer").isEmpty();
        proxy.completeRegistrations();
        assertThat(proxy.toClient()).isEqualTo("a OK done\r\n* XAPPLEPUSHSERVICE \"aps-version\" \"1\" \"aps-topic\" \""
                + SessionHarness.TOPIC + "\"\r\nr OK XAPPLEPUSHSERVICE completed.\r\n");
        assertThat(proxy.toServer()).isEqualTo("b NOOP\r\n");
    }

    @Test
    void aPreauthenticatedSessionHasNoUserAndNoPush() {
        proxy = new SessionHarness(SessionHarness.plain().build());
        proxy.serverSends("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as someone\r\n");
        proxy.clientSends(register("r", "INBOX"));
        assertThat(proxy.toClient()).endsWith("r NO [UNAVAILABLE] Push is not available: this login does not say"
                + " who you are\r\n");
        assertThat(proxy.registered).isEmpty();
    }

    @Test
    void aCommandLongerThanTheBoundIsRefusedWhole() {
        proxy = new SessionHarness(SessionHarness.plain().maxCommandLength(1024).build()).loggedIn("alice");
        final String big = "x".repeat(2000);
        proxy.clientSends("r XAPPLEPUSHSERVICE aps-version 2 aps-account-id {" + big.length() + "+}\r\n" + big
                + " aps-device-token " + TOKEN + "\r\n");
        assertThat(proxy.toClient()).isEqualTo("r BAD [TOOBIG] Command too long\r\n");
        assertThat(proxy.toServer()).isEmpty();
    }

    // ---- ID and the client's address --------------------------------------------------------------------------

    @Test
    void aClientsIdLosesItsXFields() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("i ID (\"name\" \"iPhone Mail\" \"x-originating-ip\" \"198.51.100.1\" \"X-Session-ID\""
                + " {3}\r\n");
        assertThat(proxy.toClient()).isEqualTo("+ Ready for literal data\r\n");
        proxy.clientSends("abc \"version\" \"18.1\")\r\n");
        assertThat(proxy.toServer()).isEqualTo("i ID (\"name\" \"iPhone Mail\" \"version\" \"18.1\")\r\n");
        proxy.serverSends("* ID NIL\r\ni OK done\r\n");
        assertThat(proxy.toClient()).isEqualTo("* ID NIL\r\ni OK done\r\n");
    }

    @Test
    void withIdForwardingTheServerHearsTheClientsAddressBeforeTheClientSeesTheGreeting() {
        proxy = new SessionHarness(SessionHarness.plain().forwardClientAddress(ImapProxySettings.ClientAddress.ID)
                .build());
        proxy.serverSends("* OK ready\r\n");
        assertThat(proxy.toClient()).isEmpty();
        assertThat(proxy.toServer()).isEqualTo("mailpush-id ID (\"x-originating-ip\" \"203.0.113.7\""
                + " \"x-originating-port\" \"50123\" \"x-connected-ip\" \"192.0.2.10\" \"x-connected-port\" "
                        + "\"993\")\r\n");
        proxy.serverSends("* ID (\"name\" \"Dovecot\")\r\nmailpush-id OK ID completed\r\n");
        assertThat(proxy.toClient()).isEqualTo("* OK ready\r\n");
    }

    @Test
    void withProxyProtocolTheFirstBytesAreAVersion2Header() {
        proxy = new SessionHarness(SessionHarness.plain()
                .forwardClientAddress(ImapProxySettings.ClientAddress.PROXY_V2).build());
        final io.netty.buffer.ByteBuf header = proxy.server.readOutbound();
        final byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(header);
        header.release();
        assertThat(java.util.Arrays.copyOf(bytes, 12)).isEqualTo(new byte[]{0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        assertThat(bytes[12]).as("version 2, PROXY").isEqualTo((byte) 0x21);
        assertThat(bytes[13]).as("TCP over IPv4").isEqualTo((byte) 0x11);
        assertThat(java.util.Arrays.copyOfRange(bytes, 16, 20)).isEqualTo(new byte[]{(byte) 203, 0, 113, 7});
    }

    // ---- the upstream connection -----------------------------------------------------------------------------------

    @Test
    void onTheTlsPortTheServerIsDialledOnlyOnceThePhonesHandshakeIsDone() {
        proxy = new SessionHarness(SessionHarness.plain().build(), true);
        assertThat(proxy.server).isNull();
        proxy.client.pipeline().fireUserEventTriggered(io.netty.handler.ssl.SslHandshakeCompletionEvent.SUCCESS);
        proxy.run();
        assertThat(proxy.server).isNotNull();
        proxy.serverSends("* OK ready\r\n");
        assertThat(proxy.toClient()).isEqualTo("* OK ready\r\n");
    }

    @Test
    void aFailedHandshakeOnTheTlsPortNeverDialsTheServer() {
        proxy = new SessionHarness(SessionHarness.plain().build(), true);
        proxy.client.pipeline().fireUserEventTriggered(new io.netty.handler.ssl.SslHandshakeCompletionEvent(
                new javax.net.ssl.SSLHandshakeException("no")));
        proxy.run();
        assertThat(proxy.server).isNull();
        assertThat(proxy.client.isOpen()).isFalse();
    }

    @Test
    void plaintextAfterTheServersStartTlsOkEndsTheConnection() throws Exception {
        proxy = new SessionHarness(SessionHarness.plain().upstream("127.0.0.1", 143,
                ImapProxySettings.UpstreamSecurity.STARTTLS, TestTls.client(), false).build());
        proxy.serverSends("* OK ready\r\n");
        assertThat(proxy.toServer()).isEqualTo("mailpush-tls STARTTLS\r\n");
        proxy.serverSends("mailpush-tls OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=ANONYMOUS] injected\r\n");
        assertThat(proxy.toClient()).isEqualTo("* BYE [UNAVAILABLE] The mail server cannot be reached now, try again"
                + " later\r\n");
        assertThat(proxy.client.isOpen()).isFalse();
    }

    // ---- bounds --------------------------------------------------------------------------------------------------

    @Test
    void aSessionThatDoesNotLogInIsClosedAtTheDeadline() {
        proxy = new SessionHarness(SessionHarness.plain().loginTimeout(java.time.Duration.ofSeconds(60)).build())
                .greeted();
        proxy.advance(59, TimeUnit.SECONDS);
        assertThat(proxy.client.isOpen()).isTrue();
        proxy.advance(2, TimeUnit.SECONDS);
        assertThat(proxy.toClient()).isEqualTo("* BYE Autologout; log in within 60 seconds\r\n");
        assertThat(proxy.client.isOpen()).isFalse();
        assertThat(proxy.counters.loginTimeouts()).isEqualTo(1);
    }

    @Test
    void aLoggedInSessionHasNoDeadline() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        proxy.advance(10, TimeUnit.MINUTES);
        assertThat(proxy.client.isOpen()).isTrue();
    }

    @Test
    void aMalformedCommandLineIsAnsweredByTheProxyAndNeverSent() {
        proxy = new SessionHarness(SessionHarness.plain().build()).greeted();
        proxy.clientSends("\r\n(bad NOOP\r\nnoname\r\nt+ NOOP {5+}\r\nhello\r\nok NOOP\r\n");
        assertThat(proxy.toServer()).isEqualTo("ok NOOP\r\n");
        assertThat(proxy.toClient()).isEqualTo("* BAD Invalid tag or command name\r\n".repeat(4));
    }

    @Test
    void pastTheOutstandingBoundTheClientIsReadNoFurther() {
        proxy = new SessionHarness(SessionHarness.plain().build()).loggedIn("alice");
        final StringBuilder many = new StringBuilder();
        for (int i = 0; i < ImapProxySession.MAX_OUTSTANDING + 5; i++) {
            many.append('n').append(i).append(" NOOP\r\n");
        }
        proxy.clientSends(many.toString());
        assertThat(proxy.toServer().split("\r\n")).hasSize(ImapProxySession.MAX_OUTSTANDING);
        proxy.serverSends("n0 OK done\r\n");
        assertThat(proxy.toServer()).isEqualTo("n" + ImapProxySession.MAX_OUTSTANDING + " NOOP\r\n");
    }
}
