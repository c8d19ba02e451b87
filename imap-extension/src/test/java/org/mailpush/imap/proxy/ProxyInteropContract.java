package org.mailpush.imap.proxy;

import org.mailpush.testing.RawImapClient;

import org.mailpush.testing.Heap;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.protocol.IMAPResponse;
import org.junit.jupiter.api.Test;
import org.mailpush.store.Registration;
import org.mailpush.store.RegistrationKey;
import org.mailpush.testing.LmtpClient;
import org.mailpush.testing.XApplePushClient;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy in front of a real IMAP server: what a client sees through it must be what it sees without it, plus
 * XAPPLEPUSHSERVICE. One subclass per server (Dovecot, Cyrus).
 */
abstract class ProxyInteropContract extends ProxyFixture {

    @Test
    void capabilitiesBeforeAndAfterLoginAndStartTls() throws Exception {
        try (RawImapClient client = new RawImapClient(plainPort, false, pki.caCertificateFile())) {
            final String greeting = client.line();
            assertThat(greeting).startsWith("* OK");
            if (greeting.contains("[CAPABILITY")) {
                assertThat(greeting).contains(" XAPPLEPUSHSERVICE", " STARTTLS", " LOGINDISABLED");
                assertThat(greeting.split(" COMPRESS=", -1)).as("only the proxy's own COMPRESS").hasSizeLessThan(3);
            }
            client.send("c1 CAPABILITY\r\n");
            final String capability = client.until("c1").get(0);
            assertThat(capability).startsWith("* CAPABILITY ").contains(" XAPPLEPUSHSERVICE", " STARTTLS",
                    " LOGINDISABLED").doesNotContain(" AUTH=");

            client.send("c2 LOGIN " + USER + " " + PASSWORD + "\r\n");
            assertThat(client.until("c2")).containsExactly(
                    "c2 NO [PRIVACYREQUIRED] Use STARTTLS (or port 993) before logging in\r\n");

            client.send("c3 STARTTLS\r\n");
            assertThat(client.until("c3")).containsExactly("c3 OK Begin TLS negotiation now\r\n");
            client.startTls();
            client.send("c4 CAPABILITY\r\n");
            assertThat(client.until("c4").get(0)).contains(" XAPPLEPUSHSERVICE").doesNotContain("STARTTLS")
                    .doesNotContain("LOGINDISABLED");
            client.send("c5 LOGIN " + USER + " " + PASSWORD + "\r\n");
            assertThat(last(client.until("c5"))).startsWith("c5 OK");
            client.send("c6 CAPABILITY\r\n");
            final String afterLogin = client.until("c6").get(0);
            assertThat(afterLogin).contains(" XAPPLEPUSHSERVICE", " COMPRESS=DEFLATE");
            assertThat(afterLogin.split(" COMPRESS=", -1)).as("the proxy's own, once").hasSize(2);
            // The phone's leg compressed, the server's not: the server answers plain IMAP, the phone reads deflate.
            client.send("c7 COMPRESS DEFLATE\r\n");
            assertThat(client.until("c7")).containsExactly("c7 OK DEFLATE active\r\n");
            client.startCompression();
            client.send("c8 SELECT INBOX\r\n");
            assertThat(last(client.until("c8"))).startsWith("c8 OK");
            client.send(register("c9", "INBOX"));
            assertThat(last(client.until("c9"))).isEqualTo("c9 OK XAPPLEPUSHSERVICE completed.\r\n");
        }
    }

    @Test
    void aRealClientRegistersAndOnlyMailboxesTheServerListsAreConfirmed() throws Exception {
        try (XApplePushClient phone = new XApplePushClient(tlsPort, USER, PASSWORD, XApplePushClient.Security.TLS,
                XApplePushClient.Login.LOGIN_COMMAND, pki.caCertificateFile())) {
            assertThat(phone.hasCapability("XAPPLEPUSHSERVICE")).isTrue();
            final List<String> reply = phone.register("ACC-1", TOKEN, "INBOX", "Sent", "NoSuchFolder");
            assertThat(reply).containsExactly("* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"",
                    "* XAPPLEPUSHSERVICE \"mailbox\" \"Sent\"",
                    "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + TOPIC + "\"");
        }
        final Registration stored = store.find(new RegistrationKey("ACC-1", TOKEN)).orElseThrow();
        assertThat(stored.username()).isEqualTo(USER);
        assertThat(stored.mailboxes()).containsExactlyInAnyOrder("INBOX", "Sent");
        assertThat(stored.topic()).isEqualTo(TOPIC);
        assertThat(proxy.counters().registrations()).isEqualTo(1);
    }

    @Test
    void theUserIsLearnedFromAuthenticatePlainWithAndWithoutInitialResponseAndFromTheLoginMechanism()
            throws Exception {
        final String plain = b64("\0" + USER + "\0" + PASSWORD);
        try (RawImapClient client = tls()) {
            client.send("a1 AUTHENTICATE PLAIN " + plain + "\r\n");
            assertThat(last(client.until("a1"))).startsWith("a1 OK");
            client.send(register("a2", "INBOX"));
            assertThat(last(client.until("a2"))).isEqualTo("a2 OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        try (RawImapClient client = tls()) {
            client.send("b1 AUTHENTICATE PLAIN\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(plain + "\r\n");
            assertThat(last(client.until("b1"))).startsWith("b1 OK");
            client.send(register("b2", "INBOX"));
            assertThat(last(client.until("b2"))).isEqualTo("b2 OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        try (RawImapClient client = tls()) {
            client.send("c1 AUTHENTICATE LOGIN\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(b64(USER) + "\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(b64(PASSWORD) + "\r\n");
            assertThat(last(client.until("c1"))).startsWith("c1 OK");
            client.send(register("c2", "INBOX"));
            assertThat(last(client.until("c2"))).isEqualTo("c2 OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        for (final String account : List.of("ACC-a2", "ACC-b2", "ACC-c2")) {
            assertThat(store.find(new RegistrationKey(account, TOKEN)).orElseThrow().username()).as(account)
                    .isEqualTo(USER);
        }
        assertThat(proxy.counters().loginsWithUser()).isEqualTo(3);
    }

    @Test
    void loginWithSynchronizingLiteralsIsRelayedAndStillTellsTheUser() throws Exception {
        try (RawImapClient client = tls()) {
            client.send("l1 LOGIN {" + USER.length() + "}\r\n");
            assertThat(client.line()).as("the server's continuation, relayed").startsWith("+");
            client.send(USER + " {" + PASSWORD.length() + "}\r\n");
            assertThat(client.line()).startsWith("+");
            client.send(PASSWORD + "\r\n");
            assertThat(last(client.until("l1"))).startsWith("l1 OK");
            client.send(register("l2", "INBOX"));
            assertThat(last(client.until("l2"))).isEqualTo("l2 OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        assertThat(store.find(new RegistrationKey("ACC-l2", TOKEN)).orElseThrow().username()).isEqualTo(USER);
    }

    @Test
    void beforeLoginThereIsNoPush() throws Exception {
        try (RawImapClient client = tls()) {
            client.send(register("n1", "INBOX"));
            assertThat(client.until("n1")).containsExactly("n1 BAD Please login first\r\n");
        }
    }

    @Test
    void pipelinedCommandsKeepTheirTagsOrderAndAnswers() throws Exception {
        try (RawImapClient client = loggedIn()) {
            client.send("p1 NOOP\r\n" + register("p2", "INBOX", "Sent", "Missing") + "p3 LIST \"\" \"*\"\r\n"
                    + "p4 NOOP\r\n");
            final List<String> lines = client.until("p4");
            final List<String> tagged = lines.stream().filter(l -> l.matches("^p\\d .*\r\n$")).toList();
            assertThat(tagged).extracting(l -> l.substring(0, 5)).containsExactly("p1 OK", "p2 OK", "p3 OK",
                    "p4 OK");
            final int p2 = lines.indexOf("p2 OK XAPPLEPUSHSERVICE completed.\r\n");
            assertThat(lines.subList(p2 - 3, p2)).containsExactly("* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"\r\n",
                    "* XAPPLEPUSHSERVICE \"mailbox\" \"Sent\"\r\n",
                    "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + TOPIC + "\"\r\n");
            final List<String> listed = lines.stream().filter(l -> l.startsWith("* LIST ")).toList();
            assertThat(listed).as("only the client's own LIST answer, after the proxy's").hasSizeGreaterThanOrEqualTo(3)
                    .allSatisfy(l -> assertThat(lines.indexOf(l)).isGreaterThan(p2));
        }
    }

    @Test
    void aRealClientWithCompressionFetchesWhatItFetchesDirectly() throws Exception {
        final StringBuilder body = new StringBuilder();
        while (body.length() < 500_000) {
            body.append("Quoted text compresses well. ").append(body.length()).append("\r\n");
        }
        LmtpClient.deliver(upstream().lmtpPort(), "sender@example.org", USER,
                "From: sender@example.org\r\nSubject: compressed\r\n\r\n" + body);
        final java.util.Properties compress = new java.util.Properties();
        compress.put("mail.imaps.compress.enable", "true");
        try (XApplePushClient direct = new XApplePushClient(upstream().imapPort(), USER, PASSWORD);
             XApplePushClient proxied = new XApplePushClient(tlsPort, USER, PASSWORD, XApplePushClient.Security.TLS,
                     XApplePushClient.Login.LOGIN_COMMAND, pki.caCertificateFile(), compress)) {
            assertThat(proxied.hasCapability("COMPRESS=DEFLATE")).isTrue();
            final Folder directInbox = direct.store().getFolder("INBOX");
            final Folder proxiedInbox = proxied.store().getFolder("INBOX");
            directInbox.open(Folder.READ_ONLY);
            proxiedInbox.open(Folder.READ_ONLY);
            assertThat(raw(proxiedInbox.getMessage(1))).isEqualTo(raw(directInbox.getMessage(1)))
                    .hasSizeGreaterThan(500_000);
            assertThat(proxied.register("ACC-Z", TOKEN, "INBOX")).hasSize(2);
        }
        // Angus Mail compresses the store's connection and the folder's.
        assertThat(proxy.counters().compressedSessions()).as("the client did ask for COMPRESS").isEqualTo(2);
        assertThat(store.find(new RegistrationKey("ACC-Z", TOKEN))).isPresent();
    }

    @Test
    void selectFetchAppendIdleAndLogoutBehaveAsWithoutTheProxy() throws Exception {
        final String big = "x".repeat(76) + "\r\n";
        final StringBuilder body = new StringBuilder();
        while (body.length() < 1_000_000) {
            body.append(big);
        }
        LmtpClient.deliver(upstream().lmtpPort(), "sender@example.org", USER,
                "From: sender@example.org\r\nSubject: large\r\n\r\n" + body);

        try (XApplePushClient direct = new XApplePushClient(upstream().imapPort(), USER, PASSWORD);
             XApplePushClient proxied = new XApplePushClient(tlsPort, USER, PASSWORD, XApplePushClient.Security.TLS,
                     XApplePushClient.Login.LOGIN_COMMAND, pki.caCertificateFile())) {
            final Folder directInbox = direct.store().getFolder("INBOX");
            final IMAPFolder proxiedInbox = (IMAPFolder) proxied.store().getFolder("INBOX");
            directInbox.open(Folder.READ_ONLY);
            proxiedInbox.open(Folder.READ_WRITE);
            assertThat(proxiedInbox.getMessageCount()).isEqualTo(directInbox.getMessageCount()).isEqualTo(1);
            assertThat(raw(proxiedInbox.getMessage(1))).isEqualTo(raw(directInbox.getMessage(1)))
                    .hasSizeGreaterThan(1_000_000);

            final MimeMessage appended = new MimeMessage(Session.getInstance(new java.util.Properties()));
            appended.setSubject("appended through the proxy");
            appended.setText("hello\r\n");
            proxiedInbox.appendMessages(new Message[]{appended});
            assertThat(proxiedInbox.getMessageCount()).isEqualTo(2);

            // IDLE through the proxy; new mail arrives during it: once the server's "+" came back through the
            // proxy (idleStart returns on it), not after a guessed pause. The responses go to the folder as in
            // Folder.idle; the first EXISTS ends the IDLE (DONE), then its tagged OK.
            final List<String> idleResponses = new java.util.ArrayList<>();
            proxiedInbox.doCommand(protocol -> {
                protocol.idleStart();
                try {
                    LmtpClient.deliver(upstream().lmtpPort(), "sender@example.org", USER,
                            "From: sender@example.org\r\nSubject: during idle\r\n\r\nnew\r\n");
                } catch (final Exception e) {
                    throw new ProtocolException("LMTP delivery during IDLE failed: " + e, e);
                }
                boolean more = true;
                boolean done = false;
                while (more) {
                    final Response response = protocol.readIdleResponse();
                    idleResponses.add(response.toString());
                    more = protocol.processIdleResponse(response);
                    if (more && !done && response instanceof IMAPResponse imap && imap.keyEquals("EXISTS")) {
                        protocol.idleAbort();
                        done = true;
                    }
                }
                return null;
            });
            assertThat(idleResponses).contains("* 3 EXISTS");
            assertThat(idleResponses.get(idleResponses.size() - 1)).as("IDLE's own completion").contains(" OK");
            assertThat(proxiedInbox.getMessageCount()).isEqualTo(3);
            proxiedInbox.getMessage(3).setFlag(Flags.Flag.SEEN, true);
            directInbox.close(false);
            directInbox.open(Folder.READ_ONLY);
            assertThat(directInbox.getMessageCount()).isEqualTo(3);
            assertThat(directInbox.getMessage(3).isSet(Flags.Flag.SEEN)).isTrue();
            proxiedInbox.close(false);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.counters().openSessions() == 0);
    }

    @Test
    void hostileInputGetsAClearAnswerOrACleanCloseAndOtherSessionsGoOn() throws Exception {
        try (RawImapClient bystander = loggedIn()) {
            try (RawImapClient longLine = tls()) {
                final byte[] line = new byte[10 * 1024 * 1024];
                java.util.Arrays.fill(line, (byte) 'a');
                try {
                    longLine.send(line);
                } catch (final java.io.IOException e) {
                    // The proxy may close before it read everything.
                }
                assertThat(longLine.line()).isEqualTo("* BYE [TOOBIG] Line too long\r\n");
                assertThat(longLine.closedByServer()).isTrue();
            }
            try (RawImapClient unterminated = loggedIn()) {
                unterminated.send("u1 APPEND INBOX {100000+}\r\nonly a few bytes");
            }
            try (RawImapClient garbage = tls()) {
                garbage.send("\u0001\u0002 \u00ff garbage\r\n");
                final String answer = garbage.line();
                assertThat(answer).as("the server's own answer, relayed").matches(
                        "^(\\S+ )?(\\* )?BAD.*\r\n$|^\\* BYE.*");
            }
            try (RawImapClient greedy = loggedIn()) {
                for (int i = 0; i < 4; i++) {
                    greedy.send(register("g" + i, "INBOX"));
                    assertThat(last(greedy.until("g" + i))).startsWith("g" + i + " OK");
                }
                greedy.send(register("g5", "INBOX"));
                assertThat(greedy.until("g5")).containsExactly(
                        "g5 NO [LIMIT] Too many XAPPLEPUSHSERVICE commands in this session\r\n");
            }
            bystander.send("b1 NOOP\r\n");
            assertThat(last(bystander.until("b1"))).startsWith("b1 OK");
        }
    }

    @Test
    void aClientThatStopsReadingDoesNotMakeTheProxyBuffer() throws Exception {
        final StringBuilder body = new StringBuilder();
        while (body.length() < 1_000_000) {
            body.append("y".repeat(76)).append("\r\n");
        }
        LmtpClient.deliver(upstream().lmtpPort(), "s@example.org", USER, "Subject: big\r\n\r\n" + body);
        final long before = Heap.usedAfterGc();
        try (RawImapClient reader = loggedIn(); RawImapClient other = loggedIn()) {
            reader.send("s1 SELECT INBOX\r\n");
            reader.until("s1");
            final StringBuilder fetches = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                fetches.append("f").append(i).append(" FETCH 1 BODY.PEEK[]\r\n");
            }
            reader.send(fetches.toString());
            // ~40 MB requested; the client reads none of it. A sleep, kept on purpose: this asserts an absence (the
            // proxy does not buffer what the client does not read), so the real upstream server (Dovecot, Cyrus)
            // must be given time to send all it will; neither it nor the proxy tells when it has filled the
            // socket buffers and stopped, so there is no condition to wait for.
            Thread.sleep(2_000);
            final long during = Heap.usedAfterGc();
            assertThat(during - before).as("heap held for a client that does not read").isLessThan(24L << 20);
            other.send("o1 NOOP\r\n");
            assertThat(last(other.until("o1"))).startsWith("o1 OK");
        }
    }

    private static byte[] raw(final Message message) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }


    @Test
    void tenThousandRegistrationsFromOneSessionAreRefusedPastTheLimitWithSteadyMemory() throws Exception {
        final long heapBefore = Heap.usedAfterGc();
        try (RawImapClient client = loggedIn()) {
            final int commands = 10_000;
            // Written from another thread: the proxy stops reading while a registration waits for the server's
            // LIST, so a client that only writes would fill the socket buffers.
            final Thread writer = new Thread(() -> {
                try {
                    final StringBuilder batch = new StringBuilder();
                    for (int n = 0; n < commands; n++) {
                        batch.append(register("r" + n, "INBOX"));
                        if (batch.length() > 32_000) {
                            client.send(batch.toString());
                            batch.setLength(0);
                        }
                    }
                    client.send(batch.toString());
                } catch (final java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "registering-client");
            writer.start();
            int ok = 0;
            int limited = 0;
            for (int answered = 0; answered < commands; ) {
                final String line = client.line();
                if (line.startsWith("r")) {
                    answered++;
                    if (line.contains(" OK ")) {
                        ok++;
                    } else if (line.contains(" NO [LIMIT] Too many XAPPLEPUSHSERVICE commands in this session")) {
                        limited++;
                    }
                }
            }
            writer.join(30_000);
            assertThat(ok).isEqualTo(4);
            assertThat(limited).isEqualTo(commands - 4);
            client.send("n1 NOOP\r\n");
            assertThat(last(client.until("n1"))).startsWith("n1 OK");
        }
        assertThat(proxy.counters().registrations()).isEqualTo(4);
        assertThat(proxy.counters().refusedRegistrations()).isEqualTo(9_996);
        assertThat(store.registrationsOf(USER)).hasSize(4);
        assertThat(Heap.usedAfterGc() - heapBefore).as("heap growth in bytes").isLessThan(32L << 20);
    }
}
