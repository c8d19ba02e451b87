package org.mailpush.common.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @Test
    void aValueLeftOutTakesItsDefaultAndAValueGivenIsKept() {
        assertThat(Settings.inRange("window", null, 20, 1, 100)).isEqualTo(20);
        assertThat(Settings.inRange("window", 7, 20, 1, 100)).isEqualTo(7);
        assertThat(Settings.inRange("age", null, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofDays(1)))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(Settings.orDefault(null, "x")).isEqualTo("x");
    }

    @Test
    void aValueOutOfRangeNamesTheKeyTheRangeAndTheValue() {
        assertThatThrownBy(() -> Settings.inRange("max-attempts", 0, 12, 1, 100))
                .isInstanceOf(SettingException.class)
                .hasMessage("max-attempts: must be a number in 1..100, not 0")
                .extracting(e -> ((SettingException) e).key()).isEqualTo("max-attempts");
        assertThatThrownBy(() -> Settings.inRange("cache-max-age", Duration.ZERO, Duration.ofMinutes(1),
                Duration.ofSeconds(1), Duration.ofDays(1)))
                .hasMessage("cache-max-age: must be between 1s and 1d, not 0ms");
        assertThatThrownBy(() -> Settings.required("host", null)).hasMessage("host: is required");
    }

    @Test
    void aSettingOfFewValuesTakesOnlyThose() {
        assertThat(Settings.oneOf("mail", null, 10, 5, 10)).isEqualTo(10);
        assertThat(Settings.oneOf("mail", 5, 10, 5, 10)).isEqualTo(5);
        assertThatThrownBy(() -> Settings.oneOf("calendar", 1, 5, 5, 10))
                .isInstanceOf(SettingException.class)
                .hasMessage("calendar: must be 5 or 10, not 1")
                .extracting(e -> ((SettingException) e).key()).isEqualTo("calendar");
        assertThatThrownBy(() -> Settings.oneOf("x", 4, 1, 1, 2, 3)).hasMessage("x: must be 1, 2 or 3, not 4");
    }

    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "24h,PT24H", "1d,PT24H", "0s,PT0S"})
    void durationsReadAsWritten(final String text, final Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5 minutes", "-1s", "1.5s", "9999999999999s", "1w"})
    void durationsInAnotherFormAreRefusedWithTheFormExpected(final String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a duration like 500ms, 30s, 5m, 24h or 30d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"250ms", "1s", "90s", "5m", "90m", "25h", "1d", "30d", "0ms"})
    void formattedDurationsReadBack(final String text) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
}
