package org.mailpush.server.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * One mapping of the YAML tree, read key by key with the key's full path in every error. Keys that are never read
 * are reported by {@link #rejectUnknownKeys()}, so a typo ({@code notify_socket}) is an error, not a silent default.
 */
final class ConfigNode {

    private final JsonNode node;
    private final String path;
    private final Path baseDirectory;
    private final Set<String> read = new HashSet<>();

    ConfigNode(final JsonNode node, final String path, final Path baseDirectory) {
        this.node = node;
        this.path = path;
        this.baseDirectory = baseDirectory;
    }

    String path() {
        return path;
    }

    boolean has(final String key) {
        final JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    /** Whether the key is written at all, even with an empty value ({@code xapsd:} alone). */
    boolean present(final String key) {
        return node.has(key);
    }

    /** A nested mapping; an empty one when the key is written without a value. */
    ConfigNode sectionOrEmpty(final String key) throws ConfigException {
        final ConfigNode section = section(key);
        return section != null ? section
                : new ConfigNode(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
                keyPath(key), baseDirectory);
    }

    /** A nested mapping; {@code null} when absent. */
    ConfigNode section(final String key) throws ConfigException {
        final JsonNode value = take(key);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            throw new ConfigException(keyPath(key) + ": must be a mapping of keys");
        }
        return new ConfigNode(value, keyPath(key), baseDirectory);
    }

    /** A list of mappings; empty when absent. */
    List<ConfigNode> sections(final String key) throws ConfigException {
        final JsonNode value = take(key);
        final List<ConfigNode> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (!value.isArray()) {
            throw new ConfigException(keyPath(key) + ": must be a list");
        }
        for (int i = 0; i < value.size(); i++) {
            final JsonNode item = value.get(i);
            final String itemPath = keyPath(key) + "[" + i + "]";
            if (!item.isObject()) {
                throw new ConfigException(itemPath + ": must be a mapping of keys");
            }
            result.add(new ConfigNode(item, itemPath, baseDirectory));
        }
        return result;
    }

    String string(final String key, final String defaultValue) throws ConfigException {
        final JsonNode value = take(key);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isValueNode() || value.asText().isBlank()) {
            throw new ConfigException(keyPath(key) + ": must be a non-empty text");
        }
        return value.asText();
    }

    String requiredString(final String key) throws ConfigException {
        final String value = string(key, null);
        if (value == null) {
            throw new ConfigException(keyPath(key) + ": is required");
        }
        return value;
    }

    int integer(final String key, final int defaultValue, final int min, final int max) throws ConfigException {
        final JsonNode value = take(key);
        if (value == null) {
            return defaultValue;
        }
        if (!value.canConvertToInt() || (!value.isIntegralNumber() && !value.asText().matches("\\d+"))) {
            throw new ConfigException(keyPath(key) + ": must be a number in " + min + ".." + max + ", not \""
                    + value.asText() + "\"");
        }
        final int number = value.isIntegralNumber() ? value.asInt() : Integer.parseInt(value.asText());
        if (number < min || number > max) {
            throw new ConfigException(keyPath(key) + ": must be a number in " + min + ".." + max + ", not " + number);
        }
        return number;
    }

    /** A duration like {@code 500ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 30d}. */
    java.time.Duration duration(final String key, final java.time.Duration defaultValue,
                                final java.time.Duration min, final java.time.Duration max) throws ConfigException {
        final String text = string(key, null);
        if (text == null) {
            return defaultValue;
        }
        final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text);
        if (!matcher.matches()) {
            throw new ConfigException(keyPath(key) + ": must be a duration like 500ms, 30s, 5m, 24h or 30d, not \""
                    + text + "\"");
        }
        if (matcher.group(1).length() > 12) {
            // Found by fuzzing: a number too long for a long was a NumberFormatException, not a message.
            throw new ConfigException(keyPath(key) + ": must be between " + human(min) + " and " + human(max)
                    + ", not " + text);
        }
        final long amount = Long.parseLong(matcher.group(1));
        final java.time.Duration value = switch (matcher.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(amount);
            case "s" -> java.time.Duration.ofSeconds(amount);
            case "m" -> java.time.Duration.ofMinutes(amount);
            case "h" -> java.time.Duration.ofHours(amount);
            default -> java.time.Duration.ofDays(amount);
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigException(keyPath(key) + ": must be between " + human(min) + " and " + human(max)
                    + ", not " + text);
        }
        return value;
    }

    private static String human(final java.time.Duration duration) {
        if (duration.toMillis() < 1000) {
            return duration.toMillis() + "ms";
        }
        if (duration.toSeconds() < 60 || duration.toSeconds() % 60 != 0) {
            return duration.toSeconds() + "s";
        }
        if (duration.toMinutes() < 60 || duration.toMinutes() % 60 != 0) {
            return duration.toMinutes() + "m";
        }
        return duration.toHours() % 24 != 0 ? duration.toHours() + "h" : duration.toDays() + "d";
    }

    boolean bool(final String key, final boolean defaultValue) throws ConfigException {
        final JsonNode value = take(key);
        if (value == null) {
            return defaultValue;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        final String text = value.asText();
        if (text.equals("true") || text.equals("yes") || text.equals("on")) {
            return true;
        }
        if (text.equals("false") || text.equals("no") || text.equals("off")) {
            return false;
        }
        throw new ConfigException(keyPath(key) + ": must be true or false, not \"" + text + "\"");
    }

    /** A file path; relative paths are resolved against the folder of the configuration file. */
    Path file(final String key) throws ConfigException {
        final String value = string(key, null);
        if (value == null) {
            return null;
        }
        try {
            return baseDirectory.resolve(value).normalize();
        } catch (final java.nio.file.InvalidPathException e) {
            throw new ConfigException(keyPath(key) + ": not a usable path (" + e.getReason() + ")");
        }
    }

    /** A path given as text (not read from a key), resolved as {@link #file} resolves one. */
    Path resolve(final String value) throws ConfigException {
        try {
            return baseDirectory.resolve(value).normalize();
        } catch (final java.nio.file.InvalidPathException e) {
            throw new ConfigException(path + ": \"" + value + "\" is not a usable path (" + e.getReason() + ")");
        }
    }

    Path requiredFile(final String key) throws ConfigException {
        final Path value = file(key);
        if (value == null) {
            throw new ConfigException(keyPath(key) + ": is required");
        }
        return value;
    }

    String keyPath(final String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Refuses any key but these, before any is read: a misspelt section must not look like a missing one. */
    void allowOnly(final String... keys) throws ConfigException {
        final Set<String> allowed = Set.of(keys);
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!allowed.contains(name)) {
                read.addAll(allowed);
                throw new ConfigException(keyPath(name) + ": unknown key" + suggestion(name));
            }
        }
    }

    void rejectUnknownKeys() throws ConfigException {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            final String name = names.next();
            if (!read.contains(name)) {
                throw new ConfigException(keyPath(name) + ": unknown key" + suggestion(name));
            }
        }
    }

    private JsonNode take(final String key) {
        read.add(key);
        final JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value;
    }

    private String suggestion(final String name) {
        final String normalized = name.replace('_', '-').toLowerCase(java.util.Locale.ROOT);
        for (final String known : read) {
            if (known.equals(normalized)) {
                return " (did you mean " + known + "?)";
            }
        }
        return read.isEmpty() ? "" : " (known here: " + String.join(", ", new java.util.TreeSet<>(read)) + ")";
    }
}
