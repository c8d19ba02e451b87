package org.mailpush.imap.proxy;

import org.mailpush.testing.RawImapClient;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.store.RegistrationStore;
import org.mailpush.store.TokenStore;
import org.mailpush.store.TokenStoreBuilder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy in front of a real IMAP server, with a store for its registrations, listening plain (STARTTLS) and with
 * implicit TLS: what the interop and the attack contracts share. One subclass per server and contract.
 */
abstract class ProxyFixture {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String TOPIC = "com.apple.mail.XServer.PROXY-TEST";
    static final String USER = "alice";
    /** A second user, whose registrations an attacker would like to forge. */
    static final String VICTIM = "bob";
    static final String PASSWORD = org.mailpush.testing.CyrusServer.PASSWORD;

    @TempDir
    static Path pkiDir;
    static ExamplePki pki;

    @TempDir
    Path dir;
    TokenStore tokenStore;
    RegistrationStore store;
    TokenStoreRegistrationSink sink;
    ImapProxyServer proxy;
    int plainPort;
    int tlsPort;

    /** A real server to put the proxy in front of. */
    interface Upstream extends AutoCloseable {
        int imapPort();

        int lmtpPort();

        @Override
        void close();
    }

    /** Starts the real server with users {@link #USER} and {@link #VICTIM}, in a folder of its own. */
    abstract Upstream startUpstream(Path folder) throws Exception;

    private Upstream upstream;

    Upstream upstream() {
        return upstream;
    }

    @BeforeAll
    static void makePki() {
        pki = ExamplePki.create(pkiDir);
    }

    @BeforeEach
    void startProxy() throws Exception {
        upstream = startUpstream(java.nio.file.Files.createDirectories(dir.resolve("server")));
        tokenStore = new TokenStoreBuilder().url("jdbc:h2:file:" + dir.resolve("tokens")).build();
        store = tokenStore.registrations();
        sink = new TokenStoreRegistrationSink(store, () -> TOPIC);
        final SslContext serverTls = serverTls();
        proxy = ImapProxyServer.start(settings(ImapProxySettings.builder().serverTls(serverTls)
                        .upstream("127.0.0.1", upstream().imapPort()).maxRegistrations(4).maxConnections(100)
                        .connectTimeout(Duration.ofSeconds(5))).build(), sink,
                List.of(new ImapProxyServer.Port(new InetSocketAddress("127.0.0.1", 0), false),
                        new ImapProxyServer.Port(new InetSocketAddress("127.0.0.1", 0), true)));
        plainPort = proxy.addresses().get(0).getPort();
        tlsPort = proxy.addresses().get(1).getPort();
    }

    /** The proxy's certificate: the example PKI's, for localhost. */
    static SslContext serverTls() throws Exception {
        return SslContextBuilder.forServer(pki.serverCertificateFile().toFile(), pki.serverKeyFile().toFile()).build();
    }

    /** The proxy's settings, for a contract that needs others than the defaults here. */
    ImapProxySettings.Builder settings(final ImapProxySettings.Builder defaults) {
        return defaults;
    }

    static String b64(final String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stopProxy() {
        if (proxy != null) {
            proxy.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (tokenStore != null) {
            tokenStore.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    RawImapClient tls() throws Exception {
        final RawImapClient client = new RawImapClient(tlsPort, true, pki.caCertificateFile());
        assertThat(client.line()).startsWith("* OK");
        return client;
    }

    RawImapClient loggedIn() throws Exception {
        final RawImapClient client = tls();
        client.send("l1 LOGIN " + USER + " " + PASSWORD + "\r\n");
        assertThat(last(client.until("l1"))).startsWith("l1 OK");
        return client;
    }

    static String last(final List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    static String register(final String tag, final String... mailboxes) {
        return tag + " XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC-" + tag + " aps-device-token " + TOKEN
                + " aps-subtopic com.apple.mobilemail mailboxes (" + String.join(" ", mailboxes) + ")\r\n";
    }

}
