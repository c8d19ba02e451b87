package org.mailpush.server.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Cyrus's {@code imapd.conf} as Cyrus's own reader ({@code lib/libconfig.c}) takes it: one {@code key: value} per
 * line, {@code #} starting a comment line, blank lines ignored, keys compared in lower case. Read-only: what
 * {@code mailpush check} compares with mailpush's own settings. Immutable.
 *
 * @param file    where it was read from
 * @param options each key (lower case) with its value and line
 */
record ImapdConf(Path file, Map<String, Option> options) {

    /** One option: its value (trimmed) and its 1-based line. */
    record Option(String value, int line) {
    }

    /** Thrown when the file is there but cannot be used; the message names the file (and line). */
    static final class UnreadableException extends Exception {
        UnreadableException(final String message) {
            super(message);
        }
    }

    static ImapdConf read(final Path file) throws UnreadableException {
        return parse(file, lines(file));
    }

    /** A Cyrus configuration file's lines, or why they cannot be had, naming the file. */
    static List<String> lines(final Path file) throws UnreadableException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (final java.nio.file.NoSuchFileException e) {
            throw new UnreadableException(file + " does not exist");
        } catch (final java.nio.file.AccessDeniedException e) {
            throw new UnreadableException(file + " cannot be read by this user");
        } catch (final IOException e) {
            throw new UnreadableException(file + " cannot be read: " + e.getMessage());
        }
    }

    static ImapdConf parse(final Path file, final List<String> lines) throws UnreadableException {
        final Map<String, Option> options = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new UnreadableException(file + " line " + (i + 1) + " is not \"key: value\": "
                        + abbreviate(line));
            }
            final String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            // Cyrus refuses to start when a key is given twice; so does this check, naming both lines.
            final Option earlier = options.putIfAbsent(key, new Option(line.substring(colon + 1).strip(), i + 1));
            if (earlier != null) {
                throw new UnreadableException(file + " sets " + key + " twice (lines " + earlier.line() + " and "
                        + (i + 1) + "); Cyrus refuses to start with it");
            }
        }
        return new ImapdConf(file, Map.copyOf(options));
    }

    Optional<String> value(final String key) {
        final Option option = options.get(key);
        return option == null ? Optional.empty() : Optional.of(option.value());
    }

    /** Where a key is set, as {@code /etc/imapd.conf:12}, or the file alone when it is not. */
    String where(final String key) {
        final Option option = options.get(key);
        return option == null ? file.toString() : file + ":" + option.line();
    }

    /** Cyrus's switch syntax: yes/on/t/true/1 and no/off/f/false/0; {@code fallback} when not set. */
    boolean switchOn(final String key, final boolean fallback) {
        return value(key).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "yes", "on", "t", "true", "1" -> true;
            case "no", "off", "f", "false", "0" -> false;
            default -> fallback;
        }).orElse(fallback);
    }

    /** A space-separated list option ({@code event_groups}, {@code httpmodules}), lower case. */
    List<String> words(final String key) {
        return value(key).map(v -> List.of(v.toLowerCase(Locale.ROOT).split("[\\s,]+"))).orElse(List.of())
                .stream().filter(w -> !w.isEmpty()).toList();
    }

    private static String abbreviate(final String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
