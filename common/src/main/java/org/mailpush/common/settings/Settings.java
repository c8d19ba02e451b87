package org.mailpush.common.settings;

import java.time.Duration;

/**
 * The rules a setting obeys, used by the compact constructors of the settings records: a value left out
 * ({@code null}) takes its default, a value given must lie in its range. Each record is the one place its defaults
 * and ranges are written; the YAML binding and the builders both construct it. Stateless.
 */
public final class Settings {

    private Settings() {
    }

    /** {@code value}, or {@code fallback} when it was left out. */
    public static <T> T orDefault(final T value, final T fallback) {
        return value != null ? value : fallback;
    }

    /** @throws SettingException when {@code value} is given and outside {@code min..max} */
    public static int inRange(final String key, final Integer value, final int fallback, final int min,
                              final int max) {
        final int number = value != null ? value : fallback;
        if (number < min || number > max) {
            throw new SettingException(key, "must be a number in " + min + ".." + max + ", not " + number);
        }
        return number;
    }

    /** @throws SettingException when {@code value} is given and outside {@code min..max} */
    public static long inLongRange(final String key, final Long value, final long fallback, final long min,
                               final long max) {
        final long number = value != null ? value : fallback;
        if (number < min || number > max) {
            throw new SettingException(key, "must be a number in " + min + ".." + max + ", not " + number);
        }
        return number;
    }

    /** @throws SettingException when {@code value} is given and outside {@code min..max} */
    public static Duration inRange(final String key, final Duration value, final Duration fallback,
                                   final Duration min, final Duration max) {
        final Duration duration = value != null ? value : fallback;
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            throw new SettingException(key, "must be between " + Durations.format(min) + " and "
                    + Durations.format(max) + ", not " + Durations.format(duration));
        }
        return duration;
    }

    /** @throws SettingException when {@code value} was left out */
    public static <T> T required(final String key, final T value) {
        if (value == null) {
            throw new SettingException(key, "is required");
        }
        return value;
    }
}
