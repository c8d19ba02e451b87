package org.mailpush.imap.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.RawImapClient;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the proxy asks Dovecot before it confirms a mailbox, and what Dovecot learns of the client, with Dovecot
 * configured as a site would: ACLs with a shared namespace (bob shares a mailbox with alice, lookup only; alice
 * keeps a folder of her own she may see but not read), {@code login_trusted_networks} for the proxy's ID fields,
 * and a {@code haproxy = yes} listener for the PROXY protocol. The phone connects from 127.0.0.2, the proxy from
 * 127.0.0.1, so Dovecot's log tells whose address it took.
 */
class DovecotProxyAccessIT {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String PASSWORD = DovecotServer.PASSWORD;

    @TempDir
    static Path pkiDir;
    static ExamplePki pki;

    @TempDir
    Path dir;
    private DovecotServer dovecot;
    private TokenStore tokenStore;
    private RegistrationStore store;
    private TokenStoreRegistrationSink sink;
    private ImapProxyServer proxy;

    @BeforeAll
    static void makePki() {
        pki = ExamplePki.create(pkiDir);
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (tokenStore != null) {
            tokenStore.close();
        }
        if (dovecot != null) {
            dovecot.close();
        }
    }

    private void start(final List<String> dovecotLines, final int upstreamPort,
                       final ImapProxySettings.ClientAddress forwarding) throws Exception {
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        sink = new TokenStoreRegistrationSink(store, () -> "com.apple.mail.XServer.ACCESS-TEST");
        proxy = ImapProxyServer.start(ImapProxySettings.builder().serverTls(io.netty.handler.ssl.SslContextBuilder
                        .forServer(pki.serverCertificateFile().toFile(), pki.serverKeyFile().toFile()).build())
                .upstream("127.0.0.1", upstreamPort == 0 ? dovecot.imapPort() : upstreamPort)
                .forwardClientAddress(forwarding).build(), sink,
                List.of(new ImapProxyServer.Port(new InetSocketAddress("127.0.0.1", 0), true)));
    }

    private RawImapClient phone() throws Exception {
        final RawImapClient client = new RawImapClient("127.0.0.2", proxy.addresses().get(0).getPort(), true,
                pki.caCertificateFile());
        assertThat(client.line()).startsWith("* OK");
        return client;
    }

    private static String last(final List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    private static List<String> acl(final Path base) {
        return List.of(
                "namespace shared {",
                "  type = shared",
                "  separator = /",
                "  prefix = shared/%%u/",
                "  location = maildir:" + base.resolve("mail") + "/%%u:INDEXPVT=" + base.resolve("home")
                        + "/%u/shared/%%u",
                "  subscriptions = no",
                "  list = children",
                "}",
                "mail_plugins = $mail_plugins acl",
                "protocol imap {",
                "  mail_plugins = $mail_plugins imap_acl",
                "}",
                "plugin {",
                "  acl = vfile",
                // Written by the imap processes, as the mail user: in a folder that user owns.
                "  acl_shared_dict = file:" + base.resolve("home/shared-mailboxes.db"),
                "}");
    }

    @Test
    void onlyMailboxesAliceMayReadInHerOwnNamespaceAreConfirmed() throws Exception {
        final Path base = Files.createDirectories(dir.resolve("dovecot"));
        dovecot = DovecotServer.start(base, List.of("alice", "bob"), acl(base));
        start(List.of(), 0, ImapProxySettings.ClientAddress.NONE);
        // As the users would, directly with Dovecot.
        try (RawImapClient bob = new RawImapClient(dovecot.imapPort(), false, pki.caCertificateFile())) {
            bob.line();
            for (final String command : List.of("LOGIN bob " + PASSWORD, "CREATE Lookup", "CREATE Readable",
                    "SETACL Lookup alice l", "SETACL Readable alice lr")) {
                bob.send("b " + command + "\r\n");
                assertThat(last(bob.until("b"))).as(command).startsWith("b OK");
            }
        }
        try (RawImapClient alice = new RawImapClient(dovecot.imapPort(), false, pki.caCertificateFile())) {
            alice.line();
            for (final String command : List.of("LOGIN alice " + PASSWORD, "CREATE Restricted",
                    "SETACL Restricted alice l")) {
                alice.send("a " + command + "\r\n");
                assertThat(last(alice.until("a"))).as(command).startsWith("a OK");
            }
            alice.send("l LIST \"\" \"*\"\r\n");
            assertThat(String.join("", alice.until("l"))).as("alice sees them all")
                    .contains("shared/bob/Lookup", "shared/bob/Readable", "Restricted");
        }
        try (RawImapClient phone = phone()) {
            phone.send("l LOGIN alice " + PASSWORD + "\r\n");
            assertThat(last(phone.until("l"))).startsWith("l OK");
            phone.send("r XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC aps-device-token " + TOKEN
                    + " aps-subtopic com.apple.mobilemail mailboxes (INBOX Restricted \"shared/bob/Lookup\""
                    + " \"shared/bob/Readable\" Missing)\r\n");
            assertThat(phone.until("r")).containsExactly(
                    "* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"\r\n",
                    "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" "
                            + "\"com.apple.mail.XServer.ACCESS-TEST\"\r\n",
                    "r OK XAPPLEPUSHSERVICE completed.\r\n");
        }
        assertThat(store.registrationsOf("alice")).singleElement()
                .satisfies(r -> assertThat(r.mailboxes()).containsExactly("INBOX"));
    }

    @Test
    void withIdForwardingDovecotLogsThePhonesAddressAndNotTheOneThePhoneClaims() throws Exception {
        dovecot = DovecotServer.start(Files.createDirectories(dir.resolve("dovecot")), List.of("alice"),
                List.of("login_trusted_networks = 127.0.0.1/32"));
        start(List.of(), 0, ImapProxySettings.ClientAddress.ID);
        try (RawImapClient phone = phone()) {
            phone.send("i ID (\"name\" \"attacker\" \"x-originating-ip\" \"198.51.100.7\")\r\n");
            assertThat(last(phone.until("i"))).startsWith("i OK");
            phone.send("l LOGIN alice " + PASSWORD + "\r\n");
            assertThat(last(phone.until("l"))).startsWith("l OK");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> loginLine() != null);
        assertThat(loginLine()).contains("user=<alice>", "rip=127.0.0.2").doesNotContain("198.51.100.7");
    }

    @Test
    void withoutForwardingDovecotSeesOnlyTheProxy() throws Exception {
        dovecot = DovecotServer.start(Files.createDirectories(dir.resolve("dovecot")), List.of("alice"),
                List.of("login_trusted_networks = 127.0.0.1/32"));
        start(List.of(), 0, ImapProxySettings.ClientAddress.NONE);
        try (RawImapClient phone = phone()) {
            phone.send("l LOGIN alice " + PASSWORD + "\r\n");
            assertThat(last(phone.until("l"))).startsWith("l OK");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> loginLine() != null);
        assertThat(loginLine()).contains("rip=127.0.0.1");
    }

    /**
     * Before login the proxy sends LOGIN as one line of its own: a password sent as a literal, with 8-bit UTF-8, a
     * space, a quote and a backslash in it, reaches Dovecot as a quoted string it reads back byte for byte.
     */
    @Test
    void aPasswordSentAsALiteralWithAnyBytesStillLogsIn() throws Exception {
        final Path base = Files.createDirectories(dir.resolve("dovecot"));
        dovecot = DovecotServer.start(base, List.of("alice"), List.of());
        final byte[] password = "p\u00e4ss w\"o\\rd \u2713".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        line.writeBytes("carol:{PLAIN}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        line.writeBytes(password);
        line.writeBytes("::::::\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(base.resolve("passwd"), line.toByteArray(), java.nio.file.StandardOpenOption.APPEND);
        start(List.of(), 0, ImapProxySettings.ClientAddress.NONE);
        try (RawImapClient phone = phone()) {
            phone.send("l LOGIN carol {" + password.length + "}\r\n");
            assertThat(phone.line()).startsWith("+");
            phone.send(password);
            phone.send("\r\n");
            assertThat(last(phone.until("l"))).startsWith("l OK");
            phone.send("w LOGIN carol {" + password.length + "+}\r\n");
            phone.send(password);
            phone.send("\r\n");
            assertThat(last(phone.until("w"))).as("a second login is the proxy's to refuse")
                    .isEqualTo("w BAD Already logged in\r\n");
        }
        assertThat(proxy.counters().loginsWithUser()).isEqualTo(1);
    }

    @Test
    void withTheProxyProtocolDovecotLogsThePhonesAddress() throws Exception {
        final int haproxyPort;
        try (ServerSocket free = new ServerSocket(0)) {
            haproxyPort = free.getLocalPort();
        }
        final List<String> lines = new ArrayList<>(List.of(
                "haproxy_trusted_networks = 127.0.0.1/32",
                "service imap-login {",
                "  inet_listener imap-haproxy {",
                "    address = 127.0.0.1",
                "    port = " + haproxyPort,
                "    haproxy = yes",
                "  }",
                "}"));
        dovecot = DovecotServer.start(Files.createDirectories(dir.resolve("dovecot")), List.of("alice"), lines);
        start(List.of(), haproxyPort, ImapProxySettings.ClientAddress.PROXY_V2);
        try (RawImapClient phone = phone()) {
            phone.send("l LOGIN alice " + PASSWORD + "\r\n");
            assertThat(last(phone.until("l"))).startsWith("l OK");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> loginLine() != null);
        assertThat(loginLine()).contains("user=<alice>", "rip=127.0.0.2");
    }

    private String loginLine() throws Exception {
        // "imap-login: Info: Login: user=<alice>, method=PLAIN, rip=..., lip=..., ..."
        return dovecot.log().lines().filter(line -> line.contains("imap-login: Info: Login: ")).findFirst()
                .orElse(null);
    }
}
