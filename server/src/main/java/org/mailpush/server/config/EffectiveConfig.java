package org.mailpush.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mailpush.common.settings.Durations;
import org.mailpush.imap.proxy.ImapProxyConfig;
import org.mailpush.notifyd.cyrus.CyrusSettings;
import org.mailpush.notifyd.http.HttpIntakeSettings;
import org.mailpush.notifyd.route.RoutingSettings;
import org.mailpush.pusher.ApnsSettings;
import org.mailpush.pusher.DeliverySettings;
import org.mailpush.pusher.PrioritySettings;
import org.mailpush.pusher.credentials.CredentialSettings;
import org.mailpush.server.ops.OpsHttpSettings;
import org.mailpush.store.StoreSettings;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The configuration as mailpush uses it, every key with its value, defaults included, as YAML that
 * {@link ConfigLoader} reads back: what {@code mailpush config} prints. Secrets never appear: the records hold only
 * the files secrets are read from, and a password written into {@code store.url} is masked. Stateless.
 */
public final class EffectiveConfig {

    /** {@code password=...} in a JDBC URL's parameters, and {@code user:password@} before its host. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");
    // Greedy to the last '@': a password may hold '@' or '/', and masking too much is the safe side.
    private static final Pattern URL_USERINFO = Pattern.compile("(//[^/:@]+:).*@");
    private static final String MASK = "********";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build();

    private EffectiveConfig() {
    }

    /** {@code config} as YAML: every section it has, every key of each. */
    public static String yaml(final MailpushConfig config) {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("store", tree(config.store()));
        config.cyrus().ifPresent(cyrus -> root.put("cyrus", tree(cyrus)));
        config.imapProxy().ifPresent(proxy -> root.put("imap-proxy", tree(proxy)));
        config.intake().ifPresent(intake -> root.put("intake", tree(intake.settings())));
        config.xapsd().ifPresent(xapsd -> root.put("xapsd", tree(xapsd.settings())));
        root.put("apns", tree(config.apns().settings()));
        root.put("http", tree(config.http().settings()));
        root.put("routing", tree(config.routing()));
        return write(root);
    }

    /**
     * Every key of every section at its default: the reference {@code docs/configuration.md} shows. Keys that have
     * no default show the example the README uses ({@code cyrus.notify-socket}, {@code imap-proxy.upstream.host})
     * or nothing ({@code null}).
     */
    public static String defaults() {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("store", tree(StoreSettings.DEFAULTS));
        root.put("cyrus", tree(new CyrusSettings(CyrusSettings.NotifySocket.parse("/run/cyrus/socket/notify"), null,
                null, null, null, null, null, null, null, null, null, null)));
        root.put("imap-proxy", tree(new ImapProxyConfig(null, null, null, null,
                new ImapProxyConfig.Upstream("127.0.0.1", null, null, null, null), null, null, null, null, null,
                null, null, null, null)));
        root.put("intake", tree(HttpIntakeSettings.defaults(HttpIntakeSettings.DOVECOT_LISTEN)));
        root.put("xapsd", tree(HttpIntakeSettings.defaults(HttpIntakeSettings.XAPSD_LISTEN)));
        root.put("apns", tree(new ApnsSettings(null, null, null, List.of(new CredentialSettings(null, null, null,
                null, null, null, null, null, null)), null, PrioritySettings.DEFAULTS, DeliverySettings.DEFAULTS)));
        root.put("http", tree(OpsHttpSettings.DEFAULTS));
        root.put("routing", tree(RoutingSettings.DEFAULTS));
        return write(root);
    }

    private static String write(final Map<String, Object> root) {
        try {
            return YAML.writeValueAsString(root);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration as YAML", e);
        }
    }

    /** A settings record as the file writes it: kebab-case keys, unwrapped components in place. */
    private static Map<String, Object> tree(final Record settings) {
        final Map<String, Object> keys = new LinkedHashMap<>();
        for (final RecordComponent component : settings.getClass().getRecordComponents()) {
            final Object value;
            try {
                value = component.getAccessor().invoke(settings);
            } catch (final ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component.getName(), e);
            }
            if (component.getAccessor().isAnnotationPresent(com.fasterxml.jackson.annotation.JsonUnwrapped.class)) {
                keys.putAll(tree((Record) value));
            } else {
                keys.put(ConfigBinding.kebab(component.getName()), written(value));
            }
        }
        if (settings instanceof StoreSettings && keys.get("url") instanceof String url) {
            keys.put("url", URL_USERINFO.matcher(URL_PASSWORD.matcher(url).replaceAll("$1" + MASK))
                    .replaceAll("$1" + MASK + "@"));
        }
        return keys;
    }

    private static Object written(final Object value) {
        if (value != null && ConfigBinding.isText(value.getClass())) {
            return value.toString();
        }
        if (value instanceof Record nested) {
            return tree(nested);
        }
        if (value instanceof List<?> list) {
            final List<Object> items = new ArrayList<>();
            list.forEach(item -> items.add(written(item)));
            return items;
        }
        if (value instanceof Duration duration) {
            return Durations.format(duration);
        }
        if (value instanceof Enum<?> constant) {
            return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return value;
    }
}
