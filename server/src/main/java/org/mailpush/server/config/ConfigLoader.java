package org.mailpush.server.config;

import org.mailpush.common.settings.HostPort;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mailpush.imap.proxy.ImapProxySettings;
import org.mailpush.notifyd.cyrus.CyrusNamespace;
import org.mailpush.notifyd.cyrus.NotifySocketServer;
import org.mailpush.pusher.ApnsPusher;
import org.mailpush.pusher.credentials.ApnsEnvironment;
import org.mailpush.notifyd.route.EventRouter;
import org.mailpush.store.TokenStoreBuilder;
import org.mailpush.store.UsernameFolding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and validates the YAML configuration. Every problem becomes a {@link ConfigException} naming the file, the
 * key and what is wrong; unknown keys are errors. Relative file paths are resolved against the configuration file's
 * folder. Stateless.
 */
public final class ConfigLoader {

    public static final String DEFAULT_FILE = "/etc/mailpush/mailpush.yaml";

    private static final YAMLMapper YAML = new YAMLMapper();

    private ConfigLoader() {
    }

    public static MailpushConfig load(final Path file) throws ConfigException {
        final String text;
        try {
            text = Files.readString(file);
        } catch (final NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (final IOException e) {
            throw new ConfigException(file + ": cannot read it (" + e.getMessage() + ")");
        }
        try {
            return parse(text, file);
        } catch (final ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses configuration text as if read from {@code file} (which names it in errors and anchors relative paths). */
    /** Parses configuration text as if it were {@code file} (relative paths resolve against its folder). */
    public static MailpushConfig parse(final String text, final Path file) throws ConfigException {
        final JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (final JacksonException e) {
            final String where = e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : "";
            throw new ConfigException("not valid YAML" + where + ": " + oneLine(e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException("is empty; it needs at least apns.credentials and an event source (cyrus)");
        }
        if (!tree.isObject()) {
            throw new ConfigException("must be a mapping of sections (store, cyrus, apns, http)");
        }
        final Path base = file.toAbsolutePath().getParent();
        final ConfigNode root = new ConfigNode(tree, "", base);
        root.allowOnly("store", "cyrus", "imap-proxy", "intake", "xapsd", "apns", "http", "routing");
        final MailpushConfig.Store store = store(root.section("store"));
        final Optional<MailpushConfig.Cyrus> cyrus = Optional.ofNullable(cyrus(root.section("cyrus")));
        final Optional<MailpushConfig.ImapProxy> imapProxy = Optional.ofNullable(imapProxy(root.section("imap-proxy")));
        final Optional<MailpushConfig.HttpIntake> intake = Optional.ofNullable(httpIntake(root, "intake",
                "127.0.0.1:9181"));
        final Optional<MailpushConfig.HttpIntake> xapsd = Optional.ofNullable(httpIntake(root, "xapsd",
                "[::1]:11619"));
        final ConfigNode apnsNode = root.section("apns");
        if (apnsNode == null) {
            throw new ConfigException("apns: is required (at least one credential under apns.credentials)");
        }
        final MailpushConfig.Apns apns = apns(apnsNode);
        final MailpushConfig.Http http = http(root.section("http"));
        final MailpushConfig.Routing routing = routing(root.section("routing"));
        root.rejectUnknownKeys();
        return new MailpushConfig(file.toAbsolutePath(), store, cyrus, imapProxy, intake, xapsd, apns, http,
                routing);
    }

    private static MailpushConfig.Routing routing(final ConfigNode node) throws ConfigException {
        if (node == null) {
            return new MailpushConfig.Routing(EventRouter.DEFAULT_MAIL_CAPACITY,
                    EventRouter.DEFAULT_REGISTRATION_CAPACITY);
        }
        node.allowOnly("max-queued-mail", "max-queued-registrations");
        final MailpushConfig.Routing routing = new MailpushConfig.Routing(
                node.integer("max-queued-mail", EventRouter.DEFAULT_MAIL_CAPACITY, 1, 10_000_000),
                node.integer("max-queued-registrations", EventRouter.DEFAULT_REGISTRATION_CAPACITY, 1, 10_000_000));
        node.rejectUnknownKeys();
        return routing;
    }

    /**
     * Refuses a configuration without any door for registrations and events. Checked when a process takes events
     * in (not for {@code --role pusher}, which only sends what the intake queued).
     */
    public static void requireEventSource(final MailpushConfig config) throws ConfigException {
        if (config.cyrus().isEmpty() && config.imapProxy().isEmpty() && config.intake().isEmpty()
                && config.xapsd().isEmpty()) {
            throw new ConfigException(config.source() + ": cyrus: is required: mailpush needs a source of"
                    + " registrations and events (cyrus.notify-socket; or for Dovecot imap-proxy with intake, or"
                    + " xapsd)");
        }
    }

    /**
     * Refuses a configuration without APNs credentials for a process that pushes (every role but the intake of a
     * split install, which names only {@code apns.topic} so that it never even knows where the key is).
     */
    public static void requireCredentials(final MailpushConfig config) throws ConfigException {
        if (config.apns().credentials().isEmpty()) {
            throw new ConfigException(config.source() + ": apns.credentials: is required to push: at least one of"
                    + " p12, pem or p8 (this configuration can only run --role intake)");
        }
    }

    /** SnakeYAML's messages quote the offending text with a caret over several lines; keep the sentences. */
    private static String oneLine(final String message) {
        final StringBuilder line = new StringBuilder();
        for (final String part : message.split("\\R")) {
            if (!part.isBlank() && !Character.isWhitespace(part.charAt(0))) {
                line.append(line.length() > 0 ? ": " : "").append(part.strip());
            }
        }
        return line.toString();
    }

    private static MailpushConfig.Store store(final ConfigNode node) throws ConfigException {
        if (node == null) {
            return new MailpushConfig.Store(TokenStoreBuilder.DEFAULT_URL, null, null, UsernameFolding.LOWER,
                    Duration.ofDays(30), Duration.ofHours(1), Duration.ofSeconds(30), TokenStoreBuilder.CacheMode.AUTO,
                    100_000, Duration.ofMinutes(5), 100, 100_000, TokenStoreBuilder.DEFAULT_MAX_KNOWN_USERS);
        }
        node.allowOnly("url", "user", "password-file", "username-case", "expire-after", "sweep-interval",
                "failover-timeout", "cache", "cache-size", "cache-max-age", "cache-known-users",
                "max-devices-per-user", "max-queued-pushes");
        final String url = node.string("url", TokenStoreBuilder.DEFAULT_URL);
        if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(node.keyPath("url") + ": must start with jdbc:h2: or jdbc:postgresql:");
        }
        final String usernameCase = node.string("username-case", "lower");
        final UsernameFolding folding = switch (usernameCase) {
            case "lower" -> UsernameFolding.LOWER;
            case "preserve" -> UsernameFolding.PRESERVE;
            default -> throw new ConfigException(node.keyPath("username-case")
                    + ": must be lower (the IMAP server ignores case) or preserve, not \"" + usernameCase + "\"");
        };
        final String cacheText = node.string("cache", "auto");
        final TokenStoreBuilder.CacheMode cache = switch (cacheText) {
            case "auto" -> TokenStoreBuilder.CacheMode.AUTO;
            case "on" -> TokenStoreBuilder.CacheMode.ON;
            case "off" -> TokenStoreBuilder.CacheMode.OFF;
            default -> throw new ConfigException(node.keyPath("cache") + ": must be auto, on or off, not \""
                    + cacheText + "\"");
        };
        final MailpushConfig.Store store = new MailpushConfig.Store(url, node.string("user", null),
                node.file("password-file"), folding,
                node.duration("expire-after", Duration.ofDays(30), Duration.ofDays(1), Duration.ofDays(3650)),
                node.duration("sweep-interval", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(1)),
                node.duration("failover-timeout", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(30)),
                cache,
                node.integer("cache-size", 100_000, 1, 100_000_000),
                node.duration("cache-max-age", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1)),
                node.integer("max-devices-per-user", 100, 1, 100_000),
                node.integer("max-queued-pushes", 100_000, 1, 100_000_000),
                node.integer("cache-known-users", (int) TokenStoreBuilder.DEFAULT_MAX_KNOWN_USERS, 0, 100_000_000));
        node.rejectUnknownKeys();
        return store;
    }

    private static MailpushConfig.Cyrus cyrus(final ConfigNode node) throws ConfigException {
        if (node == null) {
            return null;
        }
        node.allowOnly("notify-socket", "socket-mode", "socket-group", "event-notifier", "altnamespace",
                "unixhierarchysep", "virtdomains", "max-datagram-bytes", "queue-directory", "queue-max-bytes");
        // "dlist:/path", as imapd.conf writes it, selects the stream mode that acknowledges events.
        final String socketText = node.requiredString("notify-socket");
        final boolean stream = socketText.startsWith("dlist:");
        final Path socket = node.resolve(stream ? socketText.substring("dlist:".length()) : socketText);
        final String modeText = node.string("socket-mode", "0660");
        final Set<PosixFilePermission> mode = mode(node.keyPath("socket-mode"), modeText);
        if (!mode.contains(PosixFilePermission.OWNER_WRITE)) {
            throw new ConfigException(node.keyPath("socket-mode") + ": " + modeText
                    + " leaves the socket unwritable even for its owner");
        }
        final String group = node.string("socket-group", null);
        final String notifier = node.string("event-notifier", "pusher");
        final CyrusNamespace namespace = new CyrusNamespace(node.bool("altnamespace", true),
                node.bool("unixhierarchysep", true), node.bool("virtdomains", false));
        final int maxBytes = node.integer("max-datagram-bytes", NotifySocketServer.DEFAULT_MAX_DATAGRAM_BYTES, 1024,
                1024 * 1024);
        final Path queueDirectory = node.resolve(node.string("queue-directory", "./data/cyrus-queue"));
        final long queueMaxBytes = node.integer("queue-max-bytes", 256 * 1024 * 1024, 8 * 1024 * 1024,
                Integer.MAX_VALUE);
        node.rejectUnknownKeys();
        return new MailpushConfig.Cyrus(socket, mode, group, notifier, namespace, maxBytes, stream, queueDirectory,
                queueMaxBytes);
    }

    private static Set<PosixFilePermission> mode(final String key, final String text) throws ConfigException {
        if (!text.matches("0?[0-7]{3}")) {
            throw new ConfigException(key + ": must be an octal mode like \"0660\", not \"" + text + "\"");
        }
        final String digits = text.length() == 4 ? text.substring(1) : text;
        final StringBuilder symbolic = new StringBuilder();
        for (final char digit : digits.toCharArray()) {
            final int bits = digit - '0';
            symbolic.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-')
                    .append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(symbolic.toString());
    }

    /** APNs topics are bundle identifiers with optional suffixes; Apple mail's is com.apple.mail.XServer.<uuid>. */
    private static final java.util.regex.Pattern TOPIC = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

    private static String topic(final ConfigNode node, final String key) throws ConfigException {
        final String topic = node.requiredString(key);
        if (!TOPIC.matcher(topic).matches() || topic.length() > 255) {
            throw new ConfigException(node.keyPath(key) + ": \"" + oneLine(topic) + "\" is not an APNs topic"
                    + " (letters, digits, dots and hyphens, like com.apple.mail.XServer.<uuid>)");
        }
        return topic;
    }

    private static MailpushConfig.Apns apns(final ConfigNode node) throws ConfigException {
        node.allowOnly("host", "port", "trust", "credentials", "topic", "max-pending", "max-in-flight",
                "new-mail-window", "change-delay", "expiration", "retry", "circuit-breaker", "reload-interval",
                "shutdown-timeout");
        final String topic = node.has("topic") ? topic(node, "topic") : null;
        final String host = node.string("host", null);
        final int port = node.integer("port", 443, 1, 65535);
        final Path trust = node.file("trust");
        final List<MailpushConfig.Credential> credentials = new ArrayList<>();
        for (final ConfigNode entry : node.sections("credentials")) {
            credentials.add(credential(entry));
        }
        // Without credentials only the intake side of a split install can run, and it needs the topic instead.
        if (credentials.isEmpty() && topic == null) {
            throw new ConfigException(node.keyPath("credentials") + ": is required: at least one of p12, pem or p8"
                    + " (only the intake of a split install, --role intake, runs without, given apns.topic)");
        }
        final MailpushConfig.Delivery delivery = delivery(node);
        node.rejectUnknownKeys();
        return new MailpushConfig.Apns(host, port, trust, credentials, delivery, topic);
    }

    private static MailpushConfig.Delivery delivery(final ConfigNode node) throws ConfigException {
        final int maxPending = node.integer("max-pending", ApnsPusher.DEFAULT_MAX_PENDING, 1, 10_000_000);
        final int maxInFlight = node.integer("max-in-flight", 1_000, 1, 100_000);
        final Duration window = node.duration("new-mail-window", Duration.ofSeconds(1), Duration.ZERO,
                Duration.ofMinutes(10));
        final Duration changeDelay = node.duration("change-delay", Duration.ofSeconds(30), Duration.ZERO,
                Duration.ofHours(1));
        final Duration expiration = node.duration("expiration", Duration.ofHours(24), Duration.ZERO,
                Duration.ofDays(30));
        int attempts = 12;
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofMinutes(5);
        final ConfigNode retry = node.section("retry");
        if (retry != null) {
            retry.allowOnly("max-attempts", "initial-backoff", "max-backoff");
            attempts = retry.integer("max-attempts", attempts, 1, 100);
            initial = retry.duration("initial-backoff", initial, Duration.ofMillis(1), Duration.ofHours(1));
            max = retry.duration("max-backoff", max, initial, Duration.ofHours(6));
        }
        int failureRate = 50;
        int breakerWindow = 20;
        int minimumCalls = 10;
        Duration openFor = ApnsPusher.DEFAULT_CIRCUIT_OPEN_FOR;
        final ConfigNode breaker = node.section("circuit-breaker");
        if (breaker != null) {
            breaker.allowOnly("failure-rate", "window", "minimum-calls", "open-for");
            failureRate = breaker.integer("failure-rate", failureRate, 1, 100);
            breakerWindow = breaker.integer("window", breakerWindow, 1, 10_000);
            minimumCalls = breaker.integer("minimum-calls", minimumCalls, 1, 10_000);
            openFor = breaker.duration("open-for", openFor, Duration.ofMillis(1), Duration.ofHours(1));
        }
        final Duration reload = node.duration("reload-interval", Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofDays(1));
        final Duration shutdown = node.duration("shutdown-timeout", Duration.ofSeconds(10), Duration.ZERO,
                Duration.ofMinutes(10));
        return new MailpushConfig.Delivery(maxPending, maxInFlight, window, changeDelay, expiration, attempts,
                initial, max, failureRate, breakerWindow, minimumCalls, openFor, reload, shutdown);
    }

    private static MailpushConfig.Credential credential(final ConfigNode node) throws ConfigException {
        node.allowOnly("p12", "pem", "key", "password-file", "p8", "team-id", "key-id", "topic", "environment");
        final int forms = (node.has("p12") ? 1 : 0) + (node.has("pem") ? 1 : 0) + (node.has("p8") ? 1 : 0);
        if (forms != 1) {
            throw new ConfigException(node.path() + ": must have exactly one of p12, pem or p8");
        }
        final String environmentText = node.string("environment", "production");
        final ApnsEnvironment environment = switch (environmentText) {
            case "production" -> ApnsEnvironment.PRODUCTION;
            case "development", "sandbox" -> ApnsEnvironment.DEVELOPMENT;
            default -> throw new ConfigException(node.keyPath("environment")
                    + ": must be production or development (sandbox), not \"" + environmentText + "\"");
        };
        final MailpushConfig.Credential credential;
        if (node.has("p12")) {
            credential = new MailpushConfig.Credential(node.path(), MailpushConfig.Credential.Kind.PKCS12,
                    node.requiredFile("p12"), null, node.file("password-file"), null, null, null, environment);
        } else if (node.has("pem")) {
            credential = new MailpushConfig.Credential(node.path(), MailpushConfig.Credential.Kind.PEM,
                    node.requiredFile("pem"), node.file("key"), node.file("password-file"), null, null, null,
                    environment);
        } else {
            credential = new MailpushConfig.Credential(node.path(), MailpushConfig.Credential.Kind.TOKEN_KEY,
                    node.requiredFile("p8"), null, null, node.requiredString("team-id"), node.requiredString("key-id"),
                    topic(node, "topic"), environment);
        }
        node.rejectUnknownKeys();
        return credential;
    }

    private static MailpushConfig.ImapProxy imapProxy(final ConfigNode node) throws ConfigException {
        if (node == null) {
            return null;
        }
        node.allowOnly("listen-tls", "listen", "allow-plain-login", "tls", "upstream", "forward-client-address",
                "compress", "max-line-length", "max-literal-size", "max-registrations-per-session", "max-connections",
                "max-connections-per-address", "login-timeout", "idle-timeout");
        final HostPort listenTls = address(node, "listen-tls");
        final HostPort listen = address(node, "listen");
        if (listenTls == null && listen == null) {
            throw new ConfigException(node.path() + ": needs listen-tls (993-style) and/or listen (143-style)");
        }
        final boolean allowPlainLogin = node.bool("allow-plain-login", false);
        Path cert = null;
        Path key = null;
        final ConfigNode tls = node.section("tls");
        if (tls != null) {
            tls.allowOnly("cert", "key");
            cert = tls.requiredFile("cert");
            key = tls.requiredFile("key");
            tls.rejectUnknownKeys();
        }
        if (cert == null && listenTls != null) {
            throw new ConfigException(node.keyPath("tls") + ": is required to listen with TLS (listen-tls)");
        }
        if (cert == null && !allowPlainLogin) {
            throw new ConfigException(node.keyPath("tls") + ": is required: without a certificate clients could"
                    + " only log in over plain text (set allow-plain-login: true to accept that)");
        }
        final ConfigNode upstream = node.section("upstream");
        if (upstream == null) {
            throw new ConfigException(node.keyPath("upstream") + ": is required (host, port, security)");
        }
        upstream.allowOnly("host", "port", "security", "verify", "ca");
        final String host = upstream.requiredString("host");
        final String security = upstream.string("security", "none");
        if (!security.equals("none") && !security.equals("starttls") && !security.equals("tls")) {
            throw new ConfigException(upstream.keyPath("security") + ": must be none, starttls or tls, not \""
                    + security + "\"");
        }
        final int port = upstream.integer("port", security.equals("tls") ? 993 : 143, 1, 65535);
        final boolean verify = upstream.bool("verify", true);
        final Path ca = upstream.file("ca");
        upstream.rejectUnknownKeys();
        final String forward = node.string("forward-client-address", "id");
        final ImapProxySettings.ClientAddress forwardClientAddress = switch (forward) {
            case "id" -> ImapProxySettings.ClientAddress.ID;
            case "proxy-v2" -> ImapProxySettings.ClientAddress.PROXY_V2;
            case "none" -> ImapProxySettings.ClientAddress.NONE;
            default -> throw new ConfigException(node.keyPath("forward-client-address") + ": must be id, proxy-v2 or"
                    + " none, not \"" + forward + "\"");
        };
        final int maxConnections = node.integer("max-connections", 10_000, 1, 1_000_000);
        final MailpushConfig.ImapProxy proxy = new MailpushConfig.ImapProxy(listenTls, listen, allowPlainLogin, cert,
                key, host, port, security, verify, ca, forwardClientAddress, node.bool("compress", true),
                node.integer("max-line-length", 65_536, 1024, 16 * 1024 * 1024),
                node.integer("max-literal-size", 256 * 1024 * 1024, 0, Integer.MAX_VALUE),
                node.integer("max-registrations-per-session", 16, 1, 10_000),
                maxConnections,
                node.integer("max-connections-per-address", ImapProxySettings.defaultPerAddress(maxConnections), 1,
                        maxConnections),
                node.duration("login-timeout", Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofMinutes(30)),
                node.duration("idle-timeout", Duration.ofMinutes(30), Duration.ofMinutes(1), Duration.ofDays(1)));
        node.rejectUnknownKeys();
        return proxy;
    }

    /**
     * {@code intake:} or {@code xapsd:}. A section present but empty ({@code xapsd: {}}) means "on, with the
     * defaults". Without a secret the listener must be on a loopback address: anyone who can reach it could
     * otherwise register devices or trigger pushes.
     */
    private static MailpushConfig.HttpIntake httpIntake(final ConfigNode root, final String key,
                                                        final String defaultListen) throws ConfigException {
        if (!root.present(key)) {
            return null;
        }
        final ConfigNode node = root.sectionOrEmpty(key);
        node.allowOnly("listen", "secret-file", "max-body-bytes", "max-connections", "idle-timeout");
        final String listenText = node.string("listen", defaultListen);
        final HostPort listen;
        try {
            listen = HostPort.parse(listenText);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(node.keyPath("listen") + ": " + e.getMessage());
        }
        final Path secretFile = node.file("secret-file");
        String secret = null;
        if (secretFile != null) {
            secret = new String(SecretFiles.readPassword(node.keyPath("secret-file"), secretFile));
            if (secret.isBlank()) {
                throw new ConfigException(node.keyPath("secret-file") + ": " + secretFile + " is empty");
            }
        } else if (!isLoopback(listen.host())) {
            throw new ConfigException(node.keyPath("secret-file") + ": is required when " + node.keyPath("listen")
                    + " (" + listen + ") is not a loopback address; without it anyone who reaches the port could"
                    + " register devices or trigger pushes");
        }
        final MailpushConfig.HttpIntake intake = new MailpushConfig.HttpIntake(key, listen, secretFile, secret,
                node.integer("max-body-bytes", 1024 * 1024, 1024, 64 * 1024 * 1024),
                node.integer("max-connections", 1024, 1, 100_000),
                node.duration("idle-timeout", Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofHours(1)));
        node.rejectUnknownKeys();
        return intake;
    }

    private static boolean isLoopback(final String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses count: a name could resolve elsewhere tomorrow.
            if (!Character.isDigit(host.charAt(0)) && !host.contains(":")) {
                return false;
            }
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (final java.net.UnknownHostException e) {
            return false;
        }
    }

    private static HostPort address(final ConfigNode node, final String key) throws ConfigException {
        final String text = node.string(key, null);
        if (text == null) {
            return null;
        }
        try {
            return HostPort.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(node.keyPath(key) + ": " + e.getMessage());
        }
    }

    private static MailpushConfig.Http http(final ConfigNode node) throws ConfigException {
        if (node == null) {
            return new MailpushConfig.Http(HostPort.parse("127.0.0.1:9180"));
        }
        node.allowOnly("listen", "user", "password-file", "allow-anonymous");
        final String listen = node.string("listen", "127.0.0.1:9180");
        final HostPort address;
        try {
            address = HostPort.parse(listen);
        } catch (final IllegalArgumentException e) {
            throw new ConfigException(node.keyPath("listen") + ": " + e.getMessage());
        }
        final String user = node.string("user", null);
        final Path passwordFile = node.file("password-file");
        final boolean anonymous = node.bool("allow-anonymous", false);
        node.rejectUnknownKeys();
        if ((user == null) != (passwordFile == null)) {
            throw new ConfigException(node.path() + ": user and password-file go together (HTTP Basic"
                    + " authentication)");
        }
        if (user == null && !anonymous && !isLoopback(address.host())) {
            throw new ConfigException(node.keyPath("password-file") + ": is required when " + node.keyPath("listen")
                    + " (" + address + ") is not a loopback address: the status page and metrics would be open to"
                    + " anyone who reaches the port (set allow-anonymous: true to accept that)");
        }
        final String password = passwordFile == null ? null
                : new String(SecretFiles.readPassword(node.keyPath("password-file"), passwordFile));
        return new MailpushConfig.Http(address, user, password);
    }
}
