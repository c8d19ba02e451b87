package org.mailpush.server.admin;

import org.mailpush.server.admin.InstallCheck.Result;
import org.mailpush.server.admin.InstallCheck.Verdict;
import org.mailpush.common.settings.HostPort;
import org.mailpush.server.config.MailpushConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The part of {@code mailpush check} that reads the local Dovecot's effective configuration ({@code doveconf -n})
 * and checks that what points at mailpush reaches it:
 * <ul>
 *   <li>the xaps C plugin: {@code xaps_config = url=...} (not {@code xaps_url}, which the plugin never reads: without
 *       {@code xaps_config} it aborts every IMAP login and LMTP delivery), pointing at this mailpush's
 *       {@code xapsd:} listener with its secret, and the plugin's modules and driver loaded;</li>
 *   <li>the Lua push driver running mailpush's script: {@code mailpush_url} pointing at this mailpush's
 *       {@code intake:} listener, with its secret when it has one.</li>
 * </ul>
 * A Dovecot that mentions neither gives no line at all (it may push elsewhere, or mailpush serves Cyrus).
 *
 * <p>Secrets are compared here, never printed. Not thread-safe; one check at a time.</p>
 */
final class DovecotWiringCheck {

    /** What doveconf -n prints in place of a URL's user part. */
    private static final String HIDDEN = "#hidden_use-P_to_show#";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final MailpushConfig config;
    private final Doveconf doveconf;
    private final List<Result> results = new ArrayList<>();

    DovecotWiringCheck(final MailpushConfig config, final Doveconf doveconf) {
        this.config = config;
        this.doveconf = doveconf;
    }

    List<Result> run() {
        final DovecotSettings dovecot;
        try {
            dovecot = doveconf.effective();
        } catch (final Doveconf.DoveconfException e) {
            results.add(new Result(Verdict.WARN, "dovecot", e.getMessage() + "; Dovecot's wiring to mailpush was"
                    + " not checked (run mailpush check as a user that may read dovecot.conf, e.g. root)"));
            return List.copyOf(results);
        }
        xapsPlugin(dovecot);
        luaDriver(dovecot);
        return List.copyOf(results);
    }

    // ---- the xaps C plugin

    private void xapsPlugin(final DovecotSettings dovecot) {
        final List<DovecotSettings.Setting> configs = dovecot.plugin("xaps_config");
        final List<DovecotSettings.Setting> oldUrls = dovecot.plugin("xaps_url");
        if (configs.isEmpty()) {
            if (!oldUrls.isEmpty()) {
                results.add(new Result(Verdict.FAIL, "dovecot xaps_config", oldUrls.get(0).where() + " is set, but"
                        + " the xaps plugin reads only xaps_config: without it every IMAP login and LMTP delivery"
                        + " aborts (Panic: xaps_init: assertion failed (xaps_config_string != NULL)). Write instead,"
                        + " in plugin { }: " + suggestedXapsConfig()));
            }
            return;
        }
        if (!oldUrls.isEmpty()) {
            results.add(new Result(Verdict.WARN, "dovecot xaps_url", oldUrls.get(0).where() + " is ignored by the"
                    + " xaps plugin (it reads xaps_config); remove it"));
        }
        final DovecotSettings.Setting setting = configs.get(0);
        String value = setting.value();
        if (value.contains(HIDDEN)) {
            try {
                // -h takes a plugin setting by its section: "xaps_config" alone prints nothing.
                final String shown = doveconf.value("plugin/xaps_config");
                value = shown.isEmpty() ? value : shown;
            } catch (final Doveconf.DoveconfException e) {
                // The secret is then not compared; everything else is.
            }
        }
        final Optional<String> url = Arrays.stream(value.split("\\s+")).filter(word -> word.startsWith("url="))
                .map(word -> word.substring("url=".length())).findFirst();
        final String item = "dovecot xaps_config";
        if (url.isEmpty()) {
            results.add(new Result(Verdict.FAIL, item, setting.where() + " has no url=: the plugin aborts"
                    + " without one. Write: " + suggestedXapsConfig()));
            return;
        }
        if (config.xapsd().isEmpty()) {
            results.add(new Result(Verdict.FAIL, item, setting.where() + " points the xaps plugin at "
                    + masked(url.get()) + ", but this mailpush has no xapsd: section to answer it"
                    + " (docs/install-dovecot.md, B)"));
            return;
        }
        final MailpushConfig.HttpIntake xapsd = config.xapsd().get();
        final Optional<String> problem = reaches(url.get(), "xapsd", xapsd, true);
        if (problem.isPresent()) {
            results.add(new Result(Verdict.FAIL, item, setting.where() + ": " + problem.get()));
        } else {
            results.add(new Result(Verdict.PASS, item, "the xaps plugin reaches this mailpush's xapsd on "
                    + xapsd.listen() + (xapsd.secret() == null ? "" : " with its secret")));
        }
        xapsModules(dovecot);
    }

    private void xapsModules(final DovecotSettings dovecot) {
        final List<String> missing = new ArrayList<>();
        final List<String> imap = dovecot.mailPlugins("imap");
        for (final String plugin : List.of("notify", "push_notification", "xaps_push_notification", "xaps_imap")) {
            if (!imap.contains(plugin)) {
                missing.add(plugin + " in protocol imap { mail_plugins }");
            }
        }
        if (dovecot.protocols().isEmpty() || dovecot.protocols().contains("lmtp")) {
            final List<String> lmtp = dovecot.mailPlugins("lmtp");
            for (final String plugin : List.of("notify", "push_notification", "xaps_push_notification")) {
                if (!lmtp.contains(plugin)) {
                    missing.add(plugin + " in protocol lmtp { mail_plugins }");
                }
            }
        }
        if (dovecot.pluginStartingWith("push_notification_driver").stream()
                .noneMatch(s -> s.value().strip().equals("xaps") || s.value().strip().startsWith("xaps:"))) {
            missing.add("push_notification_driver = xaps in plugin { }");
        }
        if (!missing.isEmpty()) {
            results.add(new Result(Verdict.WARN, "dovecot mail_plugins", "the xaps plugin is configured but not"
                    + " wholly loaded; missing: " + String.join(", ", missing) + " (without xaps_imap phones cannot"
                    + " register, without the driver new mail is never reported)"));
        }
    }

    private String suggestedXapsConfig() {
        final String address = config.xapsd().map(x -> x.listen().forLocalClient()).orElse("[::1]:11619");
        final boolean secret = config.xapsd().map(x -> x.secret() != null).orElse(false);
        return "xaps_config = url=http://" + (secret ? "xaps:SECRET@" : "") + address;
    }

    // ---- the Lua driver with mailpush's script

    private void luaDriver(final DovecotSettings dovecot) {
        final List<DovecotSettings.Setting> lua = dovecot.pluginStartingWith("push_notification_driver").stream()
                .filter(s -> s.value().strip().startsWith("lua:")).toList();
        final List<DovecotSettings.Setting> urls = dovecot.plugin("mailpush_url");
        final String item = "dovecot mailpush_url";
        if (urls.isEmpty()) {
            lua.stream().filter(s -> s.value().contains("mailpush")).findFirst().ifPresent(driver ->
                    results.add(new Result(Verdict.FAIL, item, driver.where() + " runs mailpush's script, but"
                            + " plugin { mailpush_url } is not set: the script posts nothing. Write: mailpush_url = "
                            + config.intake().map(i -> "http://" + i.listen().forLocalClient())
                            .orElse("http://127.0.0.1:9181"))));
            return;
        }
        final DovecotSettings.Setting url = urls.get(0);
        if (lua.isEmpty()) {
            results.add(new Result(Verdict.WARN, item, url.where() + " is set but no push_notification_driver runs"
                    + " a Lua script: nothing posts to mailpush (docs/install-dovecot.md, A)"));
        }
        if (config.intake().isEmpty()) {
            results.add(new Result(Verdict.FAIL, item, url.where() + " points Dovecot's Lua driver at "
                    + masked(url.value()) + ", but this mailpush has no intake: section to answer it"));
            return;
        }
        final MailpushConfig.HttpIntake intake = config.intake().get();
        final Optional<String> problem = reaches(url.value().strip(), "intake", intake, false);
        if (problem.isPresent()) {
            results.add(new Result(Verdict.FAIL, item, url.where() + ": " + problem.get()));
            return;
        }
        if (intake.secret() != null) {
            final Optional<String> secret = luaSecretProblem(dovecot, intake);
            if (secret.isPresent()) {
                results.add(new Result(Verdict.FAIL, item, secret.get()));
                return;
            }
        }
        results.add(new Result(Verdict.PASS, item, "Dovecot's Lua driver reaches this mailpush's intake on "
                + intake.listen() + (intake.secret() == null ? "" : " with its secret")));
    }

    /** The script sends the first line of {@code mailpush_secret}, which is usually {@code <file}. */
    private static Optional<String> luaSecretProblem(final DovecotSettings dovecot,
                                                     final MailpushConfig.HttpIntake intake) {
        final List<DovecotSettings.Setting> secrets = dovecot.plugin("mailpush_secret");
        if (secrets.isEmpty()) {
            return Optional.of("mailpush's intake requires its secret (intake.secret-file), but plugin {"
                    + " mailpush_secret } is not set: every post is refused with 401. Write: mailpush_secret = <"
                    + intake.secretFile());
        }
        final String value = secrets.get(0).value().strip();
        final String offered;
        if (value.startsWith("<")) {
            try {
                offered = Files.readString(Path.of(value.substring(1).strip())).lines().findFirst().orElse("");
            } catch (final IOException e) {
                return Optional.empty(); // Dovecot reads it as root; this check may not: nothing to compare
            }
        } else {
            offered = value;
        }
        return sameSecret(offered, intake.secret()) ? Optional.empty() : Optional.of(secrets.get(0).where()
                + " is not the secret in " + intake.secretFile() + ": every post is refused with 401");
    }

    // ---- shared

    /**
     * Why {@code url} does not reach the listener of {@code section}, or empty when it does: the URL parses, its
     * port and address are those the listener is bound to, something accepts a connection there, and (for xapsd)
     * with {@code secretInUrl}, its user part carries the listener's secret (as the xaps plugin sends it).
     */
    private static Optional<String> reaches(final String url, final String section,
                                            final MailpushConfig.HttpIntake listener, final boolean secretInUrl) {
        final URI uri;
        try {
            // Plugin settings expand %variables, so a literal % is written %%: the URL Dovecot uses has it once.
            uri = new URI(url.replace("%%", "%"));
        } catch (final URISyntaxException e) {
            return Optional.of(masked(url) + " is not a URL: " + e.getReason());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            return Optional.of(masked(url) + " must be http://host:port (mailpush's " + section + " speaks plain"
                    + " HTTP)");
        }
        final String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        final int port = uri.getPort() < 0 ? 80 : uri.getPort();
        final HostPort listen = listener.listen();
        if (port != listen.port()) {
            return Optional.of(masked(url) + " is port " + port + ", but this mailpush's " + section
                    + " listens on " + listen);
        }
        final InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (final UnknownHostException e) {
            return Optional.of(masked(url) + ": the host " + host + " is not known here");
        }
        if (!listen.isWildcard()) {
            final List<InetAddress> bound;
            try {
                bound = List.of(InetAddress.getAllByName(listen.host()));
            } catch (final UnknownHostException e) {
                return Optional.of("this mailpush's " + section + ".listen host " + listen.host() + " is not known");
            }
            if (Arrays.stream(addresses).noneMatch(bound::contains)) {
                return Optional.of(masked(url) + " is " + host + ", but this mailpush's " + section
                        + " listens on " + listen + " only");
            }
        }
        IOException refused = null;
        boolean connected = false;
        for (final InetAddress address : addresses) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), (int) CONNECT_TIMEOUT.toMillis());
                connected = true;
                break;
            } catch (final IOException e) {
                refused = e;
            }
        }
        if (!connected) {
            return Optional.of("nothing listens on " + host + ":" + port + " (" + refused.getMessage()
                    + "): is mailpush run running?");
        }
        if (secretInUrl && listener.secret() != null) {
            final String userInfo = uri.getRawUserInfo();
            if (userInfo == null || !userInfo.contains(":")) {
                return Optional.of(masked(url) + " has no secret, but this mailpush's " + section + " requires the"
                        + " one in " + listener.secretFile() + ": put it in the URL's user part,"
                        + " http://xaps:SECRET@" + listen.forLocalClient() + " (every request is refused with 401)");
            }
            if (!userInfo.contains(HIDDEN)) {
                final String password = decodeUserInfoPart(userInfo.substring(userInfo.indexOf(':') + 1));
                if (!sameSecret(password, listener.secret())) {
                    return Optional.of("the secret in the URL is not the one in " + listener.secretFile()
                            + ": every request is refused with 401");
                }
            }
        }
        return Optional.empty();
    }

    /** A password as Dovecot sends it: its URL parser percent-decodes the user part ({@code a%2Fb} is {@code a/b}). */
    private static String decodeUserInfoPart(final String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean sameSecret(final String offered, final String expected) {
        return MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** A URL fit to print: its user part (which carries a secret) replaced. */
    static String masked(final String url) {
        return url.replaceFirst("(?<=://)[^/@\\s]*@", "…@");
    }
}
