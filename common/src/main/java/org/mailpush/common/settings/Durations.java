package org.mailpush.common.settings;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the configuration writes them: a whole number and a unit, {@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 24h}, {@code 30d}. Stateless.
 */
public final class Durations {

    private static final Pattern TEXT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException naming the form expected, when {@code text} is not one
     */
    public static Duration parse(final String text) {
        final Matcher matcher = TEXT.matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("must be a duration like 500ms, 30s, 5m, 24h or 30d, not \""
                    + text + "\"");
        }
        // At most 12 digits (found by fuzzing: a number too long for a long was a NumberFormatException).
        final long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    /** The shortest exact form {@link #parse} reads back: {@code 1d}, {@code 90s}, {@code 250ms}. */
    public static String format(final Duration duration) {
        final long millis = duration.toMillis();
        if (millis % 1000 != 0 || millis == 0) {
            return millis + "ms";
        }
        final long seconds = duration.toSeconds();
        if (seconds % 60 != 0) {
            return seconds + "s";
        }
        if (seconds % 3600 != 0) {
            return seconds / 60 + "m";
        }
        return seconds % 86_400 != 0 ? seconds / 3600 + "h" : seconds / 86_400 + "d";
    }
}
