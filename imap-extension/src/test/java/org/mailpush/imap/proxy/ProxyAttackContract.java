package org.mailpush.imap.proxy;

import org.mailpush.testing.RawImapClient;

import org.junit.jupiter.api.Test;
import org.mailpush.testing.LmtpClient;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy in front of a real IMAP server, tried as an attacker would from a raw socket: each attack must fail,
 * and the server and the token store must show it did. One subclass per server (Dovecot, Cyrus).
 */
abstract class ProxyAttackContract extends ProxyFixture {

    @Test
    void aPipelinedNoopAndAFailedLoginWithTheSameTagLogNobodyIn() throws Exception {
        try (RawImapClient attacker = tls()) {
            attacker.send("x NOOP\r\nx LOGIN " + VICTIM + " wrong-password\r\n");
            final List<String> answers = attacker.until("x OK");
            assertThat(answers).contains("x BAD Tag x is already in use by a command in progress\r\n");
            attacker.send(register("p", "INBOX"));
            assertThat(attacker.until("p")).containsExactly("p BAD Please login first\r\n");
        }
        assertThat(store.registrationsOf(VICTIM)).isEmpty();
        assertThat(proxy.counters().protocolViolations()).isEqualTo(1);
    }

    /**
     * The audit's chain: a line the server would refuse part-way hides a literal the server then runs as commands,
     * and a LOGIN of the attacker's hides in the "password" of a LOGIN naming the victim. The proxy refuses the line,
     * sends the LOGIN as one line, and the server reads the attacker's LOGIN as the victim's (wrong) password.
     */
    @Test
    void aLoginHiddenInALiteralTheServerWouldSkipLogsNobodyInAsTheVictim() throws Exception {
        try (RawImapClient attacker = tls()) {
            attacker.send("a NOOP ) {12+}\r\nz NOOP {20+}\r\n");
            assertThat(attacker.until("a")).containsExactly("a BAD NOOP takes no arguments\r\n");
            final String hidden = "t LOGIN " + USER + " " + PASSWORD;
            attacker.send("t LOGIN " + VICTIM + " {" + hidden.length() + "+}\r\n" + hidden + "\r\n");
            assertThat(last(attacker.until("t"))).startsWith("t NO");
            attacker.send(register("p", "INBOX"));
            assertThat(attacker.until("p")).containsExactly("p BAD Please login first\r\n");
        }
        assertThat(store.registrationsOf(VICTIM)).isEmpty();
        assertThat(proxy.counters().loginsWithUser()).isZero();
    }

    @Test
    void aLoggedInUserCannotBecomeAnother() throws Exception {
        try (RawImapClient alice = loggedIn()) {
            // The victim's password is known here (both test users have the same one): still no.
            alice.send("m LOGIN " + VICTIM + " " + PASSWORD + "\r\n");
            assertThat(alice.until("m")).containsExactly("m BAD Already logged in\r\n");
            alice.send("n AUTHENTICATE PLAIN " + b64("\0" + VICTIM + "\0" + PASSWORD) + "\r\n");
            assertThat(alice.until("n")).containsExactly("n BAD Already logged in\r\n");
            alice.send(register("r", "INBOX"));
            assertThat(last(alice.until("r"))).isEqualTo("r OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        assertThat(store.registrationsOf(VICTIM)).isEmpty();
        assertThat(store.registrationsOf(USER)).hasSize(1);
    }

    @Test
    void plaintextPipelinedAfterStartTlsIsNeverTakenAsSentInsideTls() throws Exception {
        try (RawImapClient client = new RawImapClient(plainPort, false, pki.caCertificateFile())) {
            assertThat(client.line()).startsWith("* OK");
            client.send("s STARTTLS\r\nx LOGIN " + USER + " " + PASSWORD + "\r\n");
            assertThat(client.until("x")).containsExactly(
                    "s BAD STARTTLS must be the last command sent before TLS\r\n",
                    "x NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in\r\n");
            client.send("t STARTTLS\r\n");
            assertThat(client.until("t")).containsExactly("t OK Begin TLS negotiation now\r\n");
            // Plain text where TLS must start: never read as a command, the session ends.
            client.send("y LOGIN " + USER + " " + PASSWORD + "\r\n");
            assertThat(client.closedByServer()).isTrue();
        }
        assertThat(proxy.counters().loginsWithUser()).isZero();
    }

    @Test
    void commandsPipelinedAfterDoneAreReadAsCommands() throws Exception {
        try (RawImapClient client = loggedIn()) {
            client.send("s SELECT INBOX\r\n");
            client.until("s");
            client.send("i IDLE\r\n");
            assertThat(client.line()).startsWith("+");
            client.send("DONE\r\nc COMPRESS DEFLATE\r\n" + register("r", "INBOX") + "n NOOP\r\n");
            final List<String> lines = client.until("n");
            assertThat(lines).contains("c BAD COMPRESS must be the last command sent before compression\r\n",
                    "r OK XAPPLEPUSHSERVICE completed.\r\n");
            assertThat(lines.stream().filter(l -> l.startsWith("i OK"))).hasSize(1);
            assertThat(last(lines)).startsWith("n OK");
            // Had COMPRESS reached the server (or been taken), what it says now would be deflated.
            client.send("k CAPABILITY\r\n");
            assertThat(client.until("k").get(0)).startsWith("* CAPABILITY ");
        }
        assertThat(store.registrationsOf(USER)).hasSize(1);
    }

    @Test
    void aLoginHiddenBehindIdleDoesNotGetPastLoginDisabled() throws Exception {
        try (RawImapClient client = new RawImapClient(plainPort, false, pki.caCertificateFile())) {
            assertThat(client.line()).startsWith("* OK");
            client.send("i IDLE\r\nx LOGIN " + USER + " " + PASSWORD + "\r\n");
            final List<String> lines = client.until("x");
            assertThat(last(lines)).isEqualTo(
                    "x NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in\r\n");
        }
        assertThat(proxy.counters().loginsWithUser()).isZero();
    }

    @Test
    void aLiteralTheServerRefusesBeforeItsContinuationRestoresCommandFraming() throws Exception {
        try (RawImapClient client = loggedIn()) {
            client.send("a APPEND NoSuchMailbox {40}\r\n");
            final String refusal = client.line();
            assertThat(refusal).as("the server refuses before its +").startsWith("a NO");
            // What would have been literal data is a command now, for the proxy as for the server.
            client.send(register("r", "INBOX"));
            assertThat(last(client.until("r"))).isEqualTo("r OK XAPPLEPUSHSERVICE completed.\r\n");
            client.send("n NOOP\r\n");
            assertThat(last(client.until("n"))).startsWith("n OK");
        }
    }

    @Test
    void capabilityLikeTextInMessagesAndMailboxNamesReachesTheClientUntouched() throws Exception {
        final String subject = "[CAPABILITY IMAP4rev1 COMPRESS=DEFLATE]";
        LmtpClient.deliver(upstream().lmtpPort(), "sender@example.org", USER,
                "From: sender@example.org\r\nSubject: " + subject + "\r\n\r\nbody\r\n");
        try (RawImapClient client = loggedIn()) {
            client.send("c CREATE \"* CAPABILITY COMPRESS=DEFLATE\"\r\n");
            assertThat(last(client.until("c"))).startsWith("c OK");
            client.send("s SELECT INBOX\r\n");
            client.until("s");
            client.send("f FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE)\r\n");
            assertThat(String.join("", client.until("f"))).contains("Subject: " + subject,
                    "\"" + subject + "\"");
            client.send("l LIST \"\" \"*\"\r\n");
            assertThat(String.join("", client.until("l"))).contains("* CAPABILITY COMPRESS=DEFLATE");
        }
    }

    @Test
    void theProxysOwnAnswersNeverLandInsideALargeLiteral() throws Exception {
        final StringBuilder body = new StringBuilder();
        while (body.length() < 2_000_000) {
            body.append("r XAPPLEPUSHSERVICE z BAD ").append("x".repeat(50)).append("\r\n");
        }
        final String message = "From: s@example.org\r\nSubject: big\r\n\r\n" + body;
        LmtpClient.deliver(upstream().lmtpPort(), "s@example.org", USER, message);
        try (RawImapClient client = loggedIn()) {
            client.send("s SELECT INBOX\r\n");
            client.until("s");
            client.send("f FETCH 1 BODY.PEEK[TEXT]\r\n" + register("r", "INBOX") + "z UNAUTHENTICATE\r\n");
            final List<String> lines = client.until("z");
            final String fetch = lines.get(0);
            assertThat(fetch).as("the literal, whole, first").contains(body.substring(0, 1000))
                    .endsWith(")\r\n").hasSizeGreaterThan(2_000_000);
            assertThat(lines.subList(1, lines.size())).containsSubsequence(
                    "r OK XAPPLEPUSHSERVICE completed.\r\n",
                    "z NO [CANNOT] UNAUTHENTICATE is not available through this proxy\r\n");
        }
    }

    @Test
    void oneAddressCannotTakeEverySlotAndTheRefusalIsReadableOnTheTlsPort() throws Exception {
        try (ImapProxyServer small = startProxy(ImapProxySettings.builder().serverTls(serverTls())
                .upstream("127.0.0.1", upstream().imapPort()).maxConnections(4).maxConnectionsPerAddress(2).build())) {
            final int port = small.addresses().get(0).getPort();
            try (RawImapClient one = new RawImapClient("127.0.0.1", port, true, pki.caCertificateFile());
                 RawImapClient two = new RawImapClient("127.0.0.1", port, true, pki.caCertificateFile());
                 RawImapClient three = new RawImapClient("127.0.0.1", port, true, pki.caCertificateFile());
                 RawImapClient elsewhere = new RawImapClient("127.0.0.2", port, true, pki.caCertificateFile())) {
                assertThat(one.line()).startsWith("* OK");
                assertThat(two.line()).startsWith("* OK");
                assertThat(three.line()).isEqualTo("* BYE [UNAVAILABLE] Too many connections from your address, try"
                        + " again later\r\n");
                assertThat(three.closedByServer()).isTrue();
                assertThat(elsewhere.line()).startsWith("* OK");
            }
            assertThat(small.counters().refusedForAddress()).isEqualTo(1);
        }
    }

    @Test
    void aSessionThatDoesNotLogInInTimeIsClosed() throws Exception {
        try (ImapProxyServer strict = startProxy(ImapProxySettings.builder().serverTls(serverTls())
                .upstream("127.0.0.1", upstream().imapPort()).loginTimeout(Duration.ofSeconds(1)).build())) {
            final int port = strict.addresses().get(0).getPort();
            try (RawImapClient idle = new RawImapClient("127.0.0.1", port, true, pki.caCertificateFile())) {
                assertThat(idle.line()).startsWith("* OK");
                assertThat(idle.line()).isEqualTo("* BYE Autologout; log in within 1 seconds\r\n");
                assertThat(idle.closedByServer()).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> strict.counters().loginTimeouts() == 1);
        }
    }

    /** A proxy of its own, implicit TLS on a free port, with these settings. */
    ImapProxyServer startProxy(final ImapProxySettings settings) throws Exception {
        return ImapProxyServer.start(settings, sink,
                List.of(new ImapProxyServer.Port(new InetSocketAddress("127.0.0.1", 0), true)));
    }
}
