package org.mailpush.server.interop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.certs.example.ExamplePki;
import org.mailpush.pusher.mock.LoopbackApnsServer;
import org.mailpush.server.config.ConfigLoader;
import org.mailpush.server.service.MailpushService;
import org.mailpush.store.RegistrationKey;
import org.mailpush.testing.DovecotServer;
import org.mailpush.testing.RawImapClient;
import org.mailpush.testing.XApplePushClient;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mailpush run} with an {@code imap-proxy:} section: the proxy starts, in front of a real Dovecot. */
class ImapProxyServiceIT {

    static final String TOKEN = "2918390218931890821908309283098109381029309829018310983092892829";
    static final String OTHER_TOKEN = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

    @Test
    void theServiceStartsTheProxyAndRegistrationsReachItsStore(@TempDir final Path dir) throws Exception {
        final ExamplePki pki = ExamplePki.create(dir.resolve("pki"));
        final int proxyPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            proxyPort = socket.getLocalPort();
        }
        try (DovecotServer dovecot = DovecotServer.start(Files.createDirectories(dir.resolve("dovecot")),
                List.of("bob"), List.of());
             LoopbackApnsServer apns = LoopbackApnsServer.start(pki.serverCertificateFile(), pki.serverKeyFile(),
                     pki.caCertificateFile(), 0)) {
            final Path config = Files.writeString(dir.resolve("mailpush.yaml"), String.join("\n",
                    "store:",
                    "  url: jdbc:h2:file:" + dir.resolve("data/tokens"),
                    "  max-devices-per-user: 1",
                    "imap-proxy:",
                    "  listen-tls: 127.0.0.1:" + proxyPort,
                    "  tls: { cert: " + pki.serverCertificateFile() + ", key: " + pki.serverKeyFile() + " }",
                    "  upstream: { host: 127.0.0.1, port: " + dovecot.imapPort() + ", security: none }",
                    "  forward-client-address: id",
                    "  max-connections-per-address: 50",
                    "  login-timeout: 30s",
                    "apns:",
                    "  host: localhost",
                    "  port: " + apns.port(),
                    "  trust: " + pki.caCertificateFile(),
                    "  credentials:",
                    "    - p12: " + pki.client().p12File(),
                    "      password-file: " + pki.client().p12PasswordFile(),
                    "http:",
                    "  listen: 127.0.0.1:0",
                    ""));
            try (MailpushService service = MailpushService.start(ConfigLoader.load(config))) {
                try (XApplePushClient phone = new XApplePushClient(proxyPort, "bob", DovecotServer.PASSWORD,
                        XApplePushClient.Security.TLS, XApplePushClient.Login.AUTHENTICATE_PLAIN,
                        pki.caCertificateFile())) {
                    assertThat(phone.register("ACC-BOB", TOKEN, "INBOX", "Trash", "Elsewhere")).containsExactly(
                            "* XAPPLEPUSHSERVICE \"mailbox\" \"INBOX\"",
                            "* XAPPLEPUSHSERVICE \"mailbox\" \"Trash\"",
                            "* XAPPLEPUSHSERVICE \"aps-version\" \"2\" \"aps-topic\" \"" + pki.client().topic() + "\"");
                    // store.max-devices-per-user: 1, so bob's second device is refused; his first may re-register.
                    assertThat(phone.command("XAPPLEPUSHSERVICE aps-version 2 aps-account-id ACC-BOB-2"
                            + " aps-device-token " + OTHER_TOKEN
                                    + " aps-subtopic com.apple.mobilemail mailboxes (INBOX)"))
                            .startsWith("NO [LIMIT]");
                    assertThat(phone.register("ACC-BOB", TOKEN, "INBOX", "Trash")).hasSize(3);
                }
                assertThat(service.registrations().find(new RegistrationKey("ACC-BOB", TOKEN)).orElseThrow()
                        .mailboxes()).containsExactlyInAnyOrder("INBOX", "Trash");
                final HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + service.opsAddress().getPort() + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ready.body()).contains("\"imapProxy\"");
                assertThat(service.registrations().count()).isEqualTo(1);
                try (RawImapClient reuser = new RawImapClient(proxyPort, true, pki.caCertificateFile())) {
                    reuser.line();
                    reuser.send("t NOOP\r\nt NOOP\r\n");
                    assertThat(reuser.until("t")).contains(
                            "t BAD Tag t is already in use by a command in progress\r\n");
                }
                assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + service.opsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                        .body()).contains("mailpush_imap_proxy_registrations_refused_total 1.0",
                        "mailpush_imap_proxy_protocol_violations_total 1.0",
                        "mailpush_imap_proxy_clients_refused_for_address_total 0.0",
                        "mailpush_imap_proxy_login_timeouts_total 0.0");
            }
        }
    }
}
