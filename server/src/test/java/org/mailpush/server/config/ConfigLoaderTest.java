package org.mailpush.server.config;

import org.mailpush.common.settings.HostPort;

import org.mailpush.testing.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailpush.imap.proxy.ImapProxyConfig;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.notifyd.route.RoutingSettings;
import org.mailpush.pusher.DeliverySettings;
import org.mailpush.pusher.PrioritySettings;
import org.mailpush.pusher.credentials.ApnsEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static final String MINIMAL = """
            cyrus:
              notify-socket: /run/cyrus/socket/notify
            apns:
              credentials:
                - p12: /etc/mailpush/mail.p12
                  password-file: /etc/mailpush/mail.p12.pass
            """;

    private MailpushConfig load(final String yaml) throws Exception {
        final Path file = dir.resolve("mailpush.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    private void assertRefused(final String yaml, final String message) {
        assertThatThrownBy(() -> load(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("mailpush.yaml") + ": " + message);
    }

    @Test
    void minimalConfigGetsTheDocumentedDefaults() throws Exception {
        final MailpushConfig config = load(MINIMAL);
        assertThat(config.store().url()).isEqualTo("jdbc:h2:file:./data/tokens");
        assertThat(config.store().maxDevicesPerUser()).isEqualTo(100);
        assertThat(config.store().maxQueuedPushes()).isEqualTo(100_000);
        assertThat(config.apns().host()).as("each credential's own gateway").isNull();
        assertThat(config.apns().port()).isEqualTo(443);
        assertThat(config.apns().delivery()).isEqualTo(new DeliverySettings(100_000, 1_000,
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(3), Duration.ofHours(24),
                new DeliverySettings.Retry(12, Duration.ofSeconds(1), Duration.ofMinutes(5)),
                new DeliverySettings.CircuitBreaker(50, 20, 10, Duration.ofSeconds(1)), Duration.ofSeconds(10),
                Duration.ofSeconds(10)));
        assertThat(config.routing()).isEqualTo(new RoutingSettings(50_000, 50_000));
        assertThat(config.apns().priority()).as("mail as it always was, calendar and contacts as Apple documents")
                .isEqualTo(new PrioritySettings(10, 5, 5));
        assertThat(config.store().cacheMaxAge()).as("one default, as the README and docs/store.md say")
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(config.store().cacheKnownUsers()).isEqualTo(1_000_000);
        assertThat(config.apns().trust()).isNull();
        assertThat(config.http().listen()).isEqualTo(new HostPort("127.0.0.1", 9180));
        final CyrusSettings cyrus = config.cyrus().orElseThrow();
        assertThat(cyrus.notifySocket().path()).isEqualTo(Path.of("/run/cyrus/socket/notify"));
        assertThat(cyrus.notifySocket().streamMode()).isFalse();
        assertThat(cyrus.queueDirectory()).as("relative to the configuration, even as a default")
                .isEqualTo(dir.resolve("data/cyrus-queue"));
        assertThat(PosixFilePermissions.toString(cyrus.socketPermissions())).isEqualTo("rw-rw----");
        assertThat(cyrus.eventNotifier()).isEqualTo("pusher");
        assertThat(cyrus.deprecatedKeysSet()).as("nothing about Cyrus's namespace to mirror").isEmpty();
        assertThat(config.apns().credentials()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(MailpushConfig.Credential.Kind.PKCS12);
            assertThat(c.key()).isEqualTo("apns.credentials[0]");
            assertThat(c.passwordFile()).isEqualTo(Path.of("/etc/mailpush/mail.p12.pass"));
            assertThat(c.environment()).isEqualTo(ApnsEnvironment.PRODUCTION);
        });
    }

    @Test
    void everyDocumentedKey() throws Exception {
        final MailpushConfig config = load("""
                store:
                  url: jdbc:postgresql://db1:5432,db2:5432/mailpush?targetServerType=primary
                  user: mailpush
                  password-file: db.pass
                  max-devices-per-user: 20
                  max-queued-pushes: 5000
                cyrus:
                  notify-socket: sock/notify
                  socket-mode: "0620"
                  socket-group: mail
                  event-notifier: apns
                  altnamespace: false
                  unixhierarchysep: no
                  virtdomains: true
                  max-datagram-bytes: 32768
                apns:
                  host: api.sandbox.push.apple.com
                  port: 2197
                  trust: ca.pem
                  max-pending: 500
                  max-in-flight: 50
                  new-mail-window: 2s
                  change-delay: 1m
                  dav-change-delay: 5s
                  priority: {mail: 5, calendar: 10, contacts: 5}
                  expiration: 12h
                  retry:
                    max-attempts: 4
                    initial-backoff: 250ms
                    max-backoff: 10s
                  circuit-breaker:
                    failure-rate: 80
                    window: 30
                    minimum-calls: 5
                    open-for: 1m
                  reload-interval: 0s
                  shutdown-timeout: 20s
                  credentials:
                    - pem: mail.pem
                      key: mail.key
                      password-file: mail.pass
                      environment: sandbox
                    - p8: AuthKey_ABCDE12345.p8
                      team-id: TEAM123456
                      key-id: ABCDE12345
                      topic: com.apple.mail.XServer.x
                http:
                  listen: "[::1]:9999"
                """);
        assertThat(config.store().user()).isEqualTo("mailpush");
        assertThat(config.store().passwordFile()).isEqualTo(dir.resolve("db.pass"));
        assertThat(config.store().maxDevicesPerUser()).isEqualTo(20);
        assertThat(config.store().maxQueuedPushes()).isEqualTo(5000);
        final CyrusSettings cyrus = config.cyrus().orElseThrow();
        assertThat(cyrus.notifySocket().path()).isEqualTo(dir.resolve("sock/notify"));
        assertThat(PosixFilePermissions.toString(cyrus.socketPermissions())).isEqualTo("rw--w----");
        assertThat(cyrus.socketGroup()).isEqualTo("mail");
        assertThat(cyrus.eventNotifier()).isEqualTo("apns");
        assertThat(cyrus.deprecatedKeysSet()).as("still read, so old files load; reported, ignored")
                .containsExactly("cyrus.altnamespace", "cyrus.unixhierarchysep", "cyrus.virtdomains");
        assertThat(cyrus.maxDatagramBytes()).isEqualTo(32768);
        assertThat(config.apns().port()).isEqualTo(2197);
        assertThat(config.apns().trust()).isEqualTo(dir.resolve("ca.pem"));
        assertThat(config.apns().credentials().get(0).keyFile()).isEqualTo(dir.resolve("mail.key"));
        assertThat(config.apns().credentials().get(0).environment()).isEqualTo(ApnsEnvironment.DEVELOPMENT);
        assertThat(config.apns().host()).isEqualTo("api.sandbox.push.apple.com");
        assertThat(config.apns().delivery()).isEqualTo(new DeliverySettings(500, 50, Duration.ofSeconds(2),
                Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofHours(12),
                new DeliverySettings.Retry(4, Duration.ofMillis(250), Duration.ofSeconds(10)),
                new DeliverySettings.CircuitBreaker(80, 30, 5, Duration.ofMinutes(1)), Duration.ZERO,
                Duration.ofSeconds(20)));
        assertThat(config.apns().priority()).isEqualTo(new PrioritySettings(5, 10, 5));
        assertThat(config.apns().credentials().get(1).kind()).isEqualTo(MailpushConfig.Credential.Kind.TOKEN_KEY);
        assertThat(config.apns().credentials().get(1).teamId()).isEqualTo("TEAM123456");
        assertThat(config.http().listen()).isEqualTo(new HostPort("::1", 9999));
    }

    @Test
    void eachProblemIsOneLineNamingTheKey() {
        assertRefused("", "is empty; it needs at least apns.credentials and an event source (cyrus)");
        assertRefused("cyrus: [",
                "not valid YAML at line 1: while parsing a flow node: expected the node content, but found '<stream "
                        + "end>'");
        assertRefused("- cyrus\n- apns\n", "must be a mapping of sections (store, cyrus, imap-proxy, intake, xapsd,"
                + " apns, http, routing)");
        assertRefused(MINIMAL + "apn:\n  host: x\n", "apn: unknown key (did you mean apns?)");
        assertRefused(MINIMAL + "pusher:\n  host: x\n", "pusher: unknown key (known here: apns, cyrus, http,"
                + " imap-proxy, intake, routing, store, xapsd)");
        assertRefused(MINIMAL + "routing:\n  max-queued-mail: 0\n", "routing.max-queued-mail: must be a number in"
                + " 1..10000000, not 0");
        assertRefused(MINIMAL.replace("notify-socket", "notify_socket"),
                "cyrus.notify_socket: unknown key (did you mean notify-socket?)");
        assertRefused("cyrus:\n  notify-socket: /x\n",
                "apns: is required (at least one credential under apns.credentials)");

        assertRefused(MINIMAL + "http:\n  listen: localhost\n",
                "http.listen: must be host:port, like 127.0.0.1:9180, not \"localhost\"");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  port: https"),
                "apns.port: must be a number, not \"https\"");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  port: 0"),
                "apns.port: must be a number in 1..65535, not 0");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  max-pendng: 5"),
                "apns.max-pendng: unknown key (did you mean max-pending?)");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  retry:\n    max-atempts: 5"),
                "apns.retry.max-atempts: unknown key (did you mean max-attempts?)");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  retry:\n    initial-backoff: 1m\n    max-backoff: 1s"),
                "apns.retry.max-backoff: must be at least initial-backoff");
        assertRefused(MINIMAL + "store:\n  cache-max-age: 0s\n",
                "store.cache-max-age: must be between 1s and 1d, not 0ms");
        assertRefused(MINIMAL + "store:\n  cache-size: [1]\n", "store.cache-size: must be a number");
        // Found in review: written but empty values read as "left out" (a default, or the file's own folder).
        assertRefused(MINIMAL + "store:\n  cache-size: \"\"\n", "store.cache-size: must be a number, not \"\"");
        assertRefused(MINIMAL.replace("notify-socket: /run/cyrus/socket/notify",
                "notify-socket: /x\n  queue-directory: \"\""), "cyrus.queue-directory: must be a path, not empty");
        assertRefused(MINIMAL.replace("notify-socket: /run/cyrus/socket/notify", "notify-socket: \"dlist:\""),
                "cyrus.notify-socket: needs a path, like /run/cyrus/socket/notify or dlist:/run/cyrus/socket/notify");
        assertRefused(MINIMAL + "http:\n  listen: {host: a, port: 1}\n", "http.listen: must be a text");
        assertRefused(MINIMAL.replace("notify-socket: /run/cyrus/socket/notify",
                "notify-socket: /x\n  altnamespace: maybe"),
                        "cyrus.altnamespace: must be true or false, not \"maybe\"");
        assertRefused(MINIMAL.replace("notify-socket: /run/cyrus/socket/notify",
                "notify-socket: /x\n  socket-mode: \"660x\""),
                        "cyrus.socket-mode: must be an octal mode like \"0660\", not \"660x\"");
        assertRefused(MINIMAL.replace("- p12: /etc/mailpush/mail.p12", "- p12: /a.p12\n      pem: /b.pem"),
                "apns.credentials[0]: must have exactly one of p12, pem or p8");
        assertRefused("cyrus:\n  notify-socket: /x\napns:\n  credentials: []\n",
                "apns.credentials: is required: at least one of p12, pem or p8 (only the intake of a split install,"
                        + " --role intake, runs without, given apns.topic)");
        assertRefused(MINIMAL + "store:\n  url: jdbc:mysql://x/y\n",
                "store.url: must start with jdbc:h2: or jdbc:postgresql:");
        assertRefused(MINIMAL.replace("password-file: /etc/mailpush/mail.p12.pass",
                "password-file: /etc/mailpush/mail.p12.pass\n      p8-team: x"),
                "apns.credentials[0].p8-team: unknown key (known here: environment, key, key-id, p12, p8, "
                        + "password-file,"
                        + " pem, team-id, topic)");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  change-delay: 30"),
                "apns.change-delay: must be a duration like 500ms, 30s, 5m, 24h or 30d, not \"30\"");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  priority:\n    calendar: 7"),
                "apns.priority.calendar: must be 5 or 10, not 7");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  priority: {mail: 1}"),
                "apns.priority.mail: must be 5 or 10, not 1");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  priority:\n    calender: 5"),
                "apns.priority.calender: unknown key (did you mean calendar?)");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  priority: high"),
                "apns.priority: must be a mapping of keys");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  dav-change-delay: 11m"),
                "apns.dav-change-delay: must be between 0ms and 10m, not 11m");
        assertRefused(MINIMAL.replace("apns:", "apns:\n  retry:\n    initial-backoff: 2h"),
                "apns.retry.initial-backoff: must be between 1ms and 1h, not 2h");
        assertRefused(MINIMAL.replace("password-file: /etc/mailpush/mail.p12.pass",
                "password-file: /etc/mailpush/mail.p12.pass\n      environment: staging"),
                "apns.credentials[0].environment: must be one of development, production, sandbox, not \"staging\"");
        assertRefused(MINIMAL.replace("password-file: /etc/mailpush/mail.p12.pass",
                "password-file: /etc/mailpush/mail.p12.pass\n      team-id: T"),
                "apns.credentials[0].team-id: goes with p8 only (a p12 certificate names its team)");
        assertRefused(MINIMAL.replace("- p12: /etc/mailpush/mail.p12\n      password-file: /etc/mailpush/mail.p12.pass",
                "- p8: /k.p8\n      team-id: T\n      key-id: K"), "apns.credentials[0].topic: is required");
    }

    @Test
    void choicesWrittenAsYamlWouldReadThemAreTheChoices() throws Exception {
        // YAML 1.1 reads a bare off/on as a boolean; store.cache's choices are auto, on and off.
        assertThat(load(MINIMAL + "store:\n  cache: off\n").store().cache())
                .isEqualTo(org.mailpush.store.TokenStoreBuilder.CacheMode.OFF);
        assertThat(load(MINIMAL + "store:\n  cache: on\n").store().cache())
                .isEqualTo(org.mailpush.store.TokenStoreBuilder.CacheMode.ON);
    }

    @Test
    void imapProxySection() throws Exception {
        final MailpushConfig config = load(MINIMAL + """
                imap-proxy:
                  listen-tls: 0.0.0.0:993
                  listen: 0.0.0.0:143
                  tls: { cert: imap.pem, key: imap.key }
                  upstream: { host: 127.0.0.1, port: 10143, security: starttls, verify: false }
                  max-registrations-per-session: 4
                  idle-timeout: 45m
                """);
        final ImapProxyConfig proxy = config.imapProxy().orElseThrow();
        assertThat(proxy.listenTls()).isEqualTo(new HostPort("0.0.0.0", 993));
        assertThat(proxy.listen()).isEqualTo(new HostPort("0.0.0.0", 143));
        assertThat(proxy.tls().cert()).isEqualTo(dir.resolve("imap.pem"));
        assertThat(proxy.upstream().security()).isEqualTo(ImapProxySettings.UpstreamSecurity.STARTTLS);
        assertThat(proxy.upstream().verify()).isFalse();
        assertThat(proxy.maxRegistrationsPerSession()).isEqualTo(4);
        assertThat(proxy.maxLineLength()).isEqualTo(65_536);
        assertThat(proxy.idleTimeout()).isEqualTo(Duration.ofMinutes(45));
        // The defaults: the client's address by ID, a tenth of the connections per address, a minute to log in.
        assertThat(proxy.forwardClientAddress()).isEqualTo(org.mailpush.imap.proxy.ImapProxySettings.ClientAddress.ID);
        assertThat(proxy.maxConnectionsPerAddress()).isEqualTo(1_000);
        assertThat(proxy.loginTimeout()).isEqualTo(Duration.ofSeconds(60));

        final ImapProxyConfig tuned = load(MINIMAL + """
                imap-proxy:
                  listen: 0.0.0.0:143
                  allow-plain-login: true
                  upstream: { host: 127.0.0.1 }
                  forward-client-address: proxy-v2
                  max-connections: 100
                  login-timeout: 20s
                """).imapProxy().orElseThrow();
        assertThat(tuned.forwardClientAddress())
                .isEqualTo(org.mailpush.imap.proxy.ImapProxySettings.ClientAddress.PROXY_V2);
        assertThat(tuned.maxConnectionsPerAddress()).as("a tenth of max-connections").isEqualTo(10);
        assertThat(tuned.loginTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(tuned.upstream().port()).as("143 unless the upstream is implicit TLS").isEqualTo(143);
        assertRefused(MINIMAL + "imap-proxy:\n  listen: 0.0.0.0:143\n  allow-plain-login: true\n"
                + "  upstream: { host: x }\n  forward-client-address: haproxy\n",
                "imap-proxy.forward-client-address: must be one of id, none, proxy-v2, not \"haproxy\"");
        assertRefused(MINIMAL + "imap-proxy:\n  listen: 0.0.0.0:143\n  allow-plain-login: true\n"
                + "  upstream: { host: x }\n  max-connections: 10\n  max-connections-per-address: 11\n",
                "imap-proxy.max-connections-per-address: must be a number in 1..10, not 11");

        assertRefused(MINIMAL + "imap-proxy:\n  listen: 0.0.0.0:143\n  upstream: { host: x }\n",
                "imap-proxy.tls: is required: without a certificate clients could only log in over plain text"
                        + " (set allow-plain-login: true to accept that)");
        assertRefused(MINIMAL + "imap-proxy:\n  listen: 0.0.0.0:143\n  allow-plain-login: true\n"
                + "  upstream: { host: x, security: ssl }\n",
                "imap-proxy.upstream.security: must be one of none, starttls, tls, not \"ssl\"");
        assertRefused(MINIMAL + "imap-proxy:\n  tls: { cert: a, key: b }\n  upstream: { host: x }\n",
                "imap-proxy: needs listen-tls (993-style) and/or listen (143-style)");
    }

    private static final String APNS_ONLY = """
            apns:
              credentials:
                - p12: /etc/mailpush/mail.p12
                  password-file: /etc/mailpush/mail.p12.pass
            """;

    @Test
    void intakeAndXapsdListenOnLoopbackByDefault() throws Exception {
        final MailpushConfig config = load(APNS_ONLY + "intake: {}\nxapsd:\n");
        final MailpushConfig.HttpIntake intake = config.intake().orElseThrow();
        assertThat(intake.listen()).isEqualTo(new HostPort("127.0.0.1", 9181));
        assertThat(intake.secret()).isNull();
        assertThat(intake.maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(config.xapsd().orElseThrow().listen()).as("the xaps daemon's own default")
                .isEqualTo(new HostPort("::1", 11619));
        assertThat(config.cyrus()).isEmpty();
        assertThat(load(MINIMAL).intake()).isEmpty();
        assertThat(load(MINIMAL).xapsd()).isEmpty();
    }

    @Test
    void aSecretIsReadFromItsFileAndNeverPrinted() throws Exception {
        Secrets.write(dir.resolve("intake.secret"), "correct horse battery staple\n");
        final MailpushConfig config = load(APNS_ONLY + "intake:\n  listen: 0.0.0.0:9181\n"
                + "  secret-file: intake.secret\n  max-connections: 64\n  idle-timeout: 30s\n");
        final MailpushConfig.HttpIntake intake = config.intake().orElseThrow();
        assertThat(intake.secret()).isEqualTo("correct horse battery staple");
        assertThat(intake.maxConnections()).isEqualTo(64);
        assertThat(intake.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(intake.toString()).doesNotContain("horse").contains("secret=set");
    }

    @Test
    void anIntakeReachableFromOtherHostsNeedsASecret() throws Exception {
        assertRefused(APNS_ONLY + "intake:\n  listen: 0.0.0.0:9181\n",
                "intake.secret-file: is required when intake.listen (0.0.0.0:9181) is not a loopback address;"
                        + " without it anyone who reaches the port could register devices or trigger pushes");
        assertRefused(APNS_ONLY + "xapsd:\n  listen: \"[2001:db8::1]:11619\"\n",
                "xapsd.secret-file: is required when xapsd.listen ([2001:db8::1]:11619) is not a loopback address;"
                        + " without it anyone who reaches the port could register devices or trigger pushes");
        assertRefused(APNS_ONLY + "xapsd:\n  listen: mail.example.org:11619\n",
                "xapsd.secret-file: is required when xapsd.listen (mail.example.org:11619) is not a loopback"
                        + " address; without it anyone who reaches the port could register devices or trigger pushes");
        assertThat(load(APNS_ONLY + "intake:\n  listen: \"[::1]:9181\"\n").intake()).isPresent();
        assertThat(load(APNS_ONLY + "intake:\n  listen: localhost:9181\n").intake()).isPresent();
        Secrets.write(dir.resolve("empty.secret"), "\n");
        assertRefused(APNS_ONLY + "intake:\n  secret-file: empty.secret\n",
                "intake.secret-file: " + dir.resolve("empty.secret") + " is empty");
        assertRefused(APNS_ONLY + "intake:\n  secret_file: x\n",
                "intake.secret_file: unknown key (did you mean secret-file?)");
    }

    @Test
    void withoutAnySourceTheMessageNamesTheChoices() throws Exception {
        final MailpushConfig config = load(APNS_ONLY);
        assertThatThrownBy(() -> ConfigLoader.requireEventSource(config))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("mailpush.yaml") + ": cyrus: is required: mailpush needs a source of"
                        + " registrations and events (cyrus.notify-socket; or for Dovecot imap-proxy with intake, or"
                        + " xapsd)");
        ConfigLoader.requireEventSource(load(MINIMAL));
    }

    @Test
    void theIntakeOfASplitInstallNamesTheTopicAndNoCredential() throws Exception {
        final MailpushConfig intake = load("xapsd:\n  listen: 127.0.0.1:0\napns:\n  topic: com.apple.mail.XServer.x\n");
        assertThat(intake.apns().credentials()).isEmpty();
        assertThat(intake.apns().topic()).isEqualTo("com.apple.mail.XServer.x");
        assertThatThrownBy(() -> ConfigLoader.requireCredentials(intake))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir.resolve("mailpush.yaml") + ": apns.credentials: is required to push: at least one"
                        + " of p12, pem or p8 (this configuration can only run --role intake)");
        ConfigLoader.requireCredentials(load(MINIMAL));
    }

    @Test
    void aTopicThatCannotBeAnApnsTopicIsRefused() {
        // Found by ConfigFuzzTest: a stray brace and space were taken as part of the topic.
        assertThatThrownBy(() -> load("xapsd:\n  listen: 127.0.0.1:0\napns:\n  topic: com.a.-attempts5m }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("apns.topic: \"com.a.-attempts5m }\" is not an APNs topic (letters, digits,"
                        + " dots and hyphens, like com.apple.mail.XServer.<uuid>)");
    }

    @Test
    void missingFileIsNamed() {
        final Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).hasMessage(missing + ": no such file");
    }
}
