package org.mailpush.common.mail;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeviceTokensTest {

    @Test
    void canonicalIsLowerCaseHex() {
        assertThat(DeviceTokens.canonical("AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12"))
                .isEqualTo("ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12");
    }

    @Test
    void invalidTokenErrorCarriesOnlyTheMaskedToken() {
        final String bad = "zz12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
        assertThatThrownBy(() -> DeviceTokens.canonical(bad))
                .hasMessageContaining("zz12cd34…")
                .hasMessageNotContaining(bad);
    }

    @Test
    void rejectsOddLengthsEmptyAndNonHex() {
        assertThat(DeviceTokens.isValid("abc")).isFalse();
        assertThat(DeviceTokens.isValid("")).isFalse();
        assertThat(DeviceTokens.isValid(null)).isFalse();
        assertThat(DeviceTokens.isValid("0123456789abcdef")).isTrue();
    }

    @Test
    void maskKeepsEightCharacters() {
        assertThat(DeviceTokens.mask("2918390218931890821908309283098109381029309829018310983092892829"))
                .isEqualTo("29183902…");
    }
}
