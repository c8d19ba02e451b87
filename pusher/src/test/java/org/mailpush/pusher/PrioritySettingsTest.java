package org.mailpush.pusher;

import com.eatthepath.pushy.apns.DeliveryPriority;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailpush.common.settings.SettingException;
import org.mailpush.store.PushTarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrioritySettingsTest {

    @Test
    void mailKeepsTenAndCalendarAndContactsTakeTheFiveAppleAsksOfBackgroundPushes() {
        final PrioritySettings defaults = PrioritySettings.DEFAULTS;
        assertThat(defaults).isEqualTo(new PrioritySettings(10, 5, 5));
        assertThat(defaults.of(PushTarget.Kind.MAIL)).isEqualTo(10);
        assertThat(defaults.of(PushTarget.Kind.CALENDAR)).isEqualTo(5);
        assertThat(defaults.of(PushTarget.Kind.CONTACTS)).isEqualTo(5);
        assertThat(defaults.deliveryPriority(PushTarget.Kind.MAIL)).isEqualTo(DeliveryPriority.IMMEDIATE);
        assertThat(defaults.deliveryPriority(PushTarget.Kind.CALENDAR)).isEqualTo(DeliveryPriority.CONSERVE_POWER);
        assertThat(new ApnsSettings(null, null, null, null, null, null, null).priority()).isEqualTo(defaults);
    }

    @Test
    void eachKindMayTakeEitherValue() {
        final PrioritySettings swapped = new PrioritySettings(5, 10, 10);
        assertThat(swapped.of(PushTarget.Kind.MAIL)).isEqualTo(5);
        assertThat(swapped.deliveryPriority(PushTarget.Kind.CONTACTS)).isEqualTo(DeliveryPriority.IMMEDIATE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 6, 9, 11, -5})
    void anyOtherValueIsRefusedNamingTheKey(final int value) {
        assertThatThrownBy(() -> new PrioritySettings(value, null, null)).isInstanceOf(SettingException.class)
                .hasMessage("mail: must be 5 or 10, not " + value);
        assertThatThrownBy(() -> new PrioritySettings(null, value, null))
                .hasMessage("calendar: must be 5 or 10, not " + value);
        assertThatThrownBy(() -> new PrioritySettings(null, null, value))
                .extracting(e -> ((SettingException) e).key()).isEqualTo("contacts");
    }

    @Test
    void theDavChangeDelayDefaultsToCalendarServersThreeSecondsWithinItsRange() {
        assertThat(DeliverySettings.DEFAULTS.davChangeDelay()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThatThrownBy(() -> new DeliverySettings(null, null, null, null, java.time.Duration.ofMinutes(11),
                null, null, null, null, null))
                .isInstanceOf(SettingException.class)
                .hasMessage("dav-change-delay: must be between 0ms and 10m, not 11m");
    }
}
