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

    /**
     * For a setting that takes only a few values (an APNs priority: 5 or 10): {@code value}, or {@code fallback}
     * when it was left out.
     *
     * @throws SettingException when {@code value} is given and is none of {@code allowed}
     */
    public static int oneOf(final String key, final Integer value, final int fallback, final int... allowed) {
        final int number = value != null ? value : fallback;
        for (final int candidate : allowed) {
            if (candidate == number) {
                return number;
            }
        }
        final StringBuilder choices = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            if (i > 0) {
                choices.append(i == allowed.length - 1 ? " or " : ", ");
            }
            choices.append(allowed[i]);
        }
        throw new SettingException(key, "must be " + choices + ", not " + number);
    }

    /** @throws SettingException when {@code value} was left out */
    public static <T> T required(final String key, final T value) {
        if (value == null) {
            throw new SettingException(key, "is required");
        }
        return value;
    }
}
