package org.mailpush.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Dovecot's effective configuration as {@code doveconf -n} prints it: {@code key = value} lines inside nested
 * {@code name [argument] {} ... }} sections. Only what {@code mailpush check} asks about is offered: plugin settings
 * (in the global {@code plugin {}} or in one inside a {@code protocol} filter) and {@code mail_plugins} per protocol.
 *
 * <p>Immutable and thread-safe.</p>
 */
final class DovecotSettings {

    /**
     * One setting where doveconf printed it.
     *
     * @param section the enclosing sections joined by {@code /}, e.g. {@code protocol imap/plugin}; empty at the top
     */
    record Setting(String section, String key, String value) {

        /** Where an admin finds it, e.g. {@code protocol imap { plugin { xaps_config } }}. */
        String where() {
            if (section.isEmpty()) {
                return key;
            }
            final String[] parts = section.split("/");
            return String.join(" { ", parts) + " { " + key + " }".repeat(parts.length);
        }
    }

    private final List<Setting> settings;

    private DovecotSettings(final List<Setting> settings) {
        this.settings = List.copyOf(settings);
    }

    /**
     * Reads doveconf's output. Lines it does not understand are skipped: this reads a configuration Dovecot itself
     * has already accepted, to give advice, never to decide how mailpush runs.
     */
    static DovecotSettings parse(final String doveconfOutput) {
        final List<Setting> settings = new ArrayList<>();
        final List<String> sections = new ArrayList<>();
        for (final String raw : doveconfOutput.split("\r?\n")) {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.equals("}")) {
                if (!sections.isEmpty()) {
                    sections.remove(sections.size() - 1);
                }
                continue;
            }
            if (line.endsWith("{") && !line.contains("=")) {
                sections.add(line.substring(0, line.length() - 1).strip().replaceAll("\\s+", " "));
                continue;
            }
            final int equals = line.indexOf('=');
            if (equals <= 0) {
                continue;
            }
            settings.add(new Setting(String.join("/", sections), line.substring(0, equals).strip(),
                    unquote(line.substring(equals + 1).strip())));
        }
        return new DovecotSettings(settings);
    }

    /** doveconf quotes a value with leading or trailing blanks: {@code " notify push_notification"}. */
    private static String unquote(final String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return value;
    }

    /** Every plugin setting named {@code key}, global first, then those in protocol filters. */
    List<Setting> plugin(final String key) {
        return settings.stream()
                .filter(s -> s.key().equals(key))
                .filter(s -> s.section().equals("plugin") || s.section().matches("protocol [^/]+/plugin"))
                .toList();
    }

    /** Every plugin setting whose name starts with {@code prefix} (e.g. {@code push_notification_driver}). */
    List<Setting> pluginStartingWith(final String prefix) {
        return settings.stream()
                .filter(s -> s.key().startsWith(prefix))
                .filter(s -> s.section().equals("plugin") || s.section().matches("protocol [^/]+/plugin"))
                .toList();
    }

    /**
     * The {@code mail_plugins} a protocol's processes load: its own {@code protocol X { mail_plugins }} (doveconf has
     * already expanded {@code $mail_plugins} in it), else the global one; split into plugin names.
     */
    List<String> mailPlugins(final String protocol) {
        final Optional<Setting> own = settings.stream()
                .filter(s -> s.key().equals("mail_plugins") && s.section().equals("protocol " + protocol))
                .findFirst();
        final Optional<Setting> chosen = own.isPresent() ? own : settings.stream()
                .filter(s -> s.key().equals("mail_plugins") && s.section().isEmpty()).findFirst();
        return chosen.map(s -> List.of(s.value().strip().split("\\s+"))).orElse(List.of()).stream()
                .filter(name -> !name.isEmpty()).toList();
    }

    /** The protocols Dovecot serves ({@code protocols}), empty when the setting is absent. */
    List<String> protocols() {
        return settings.stream().filter(s -> s.key().equals("protocols") && s.section().isEmpty()).findFirst()
                .map(s -> List.of(s.value().strip().split("\\s+"))).orElse(List.of()).stream()
                .filter(name -> !name.isEmpty()).toList();
    }
}
