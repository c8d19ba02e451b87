package org.mailpush.common.settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPortTest {

    @Test
    void namesAddressesAndBracketedIpv6AreRead() {
        assertThat(HostPort.parse("127.0.0.1:9180")).isEqualTo(new HostPort("127.0.0.1", 9180));
        assertThat(HostPort.parse("localhost:0")).isEqualTo(new HostPort("localhost", 0));
        assertThat(HostPort.parse("[::1]:11619")).isEqualTo(new HostPort("::1", 11619));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]:11619", "[:9180", "]:9180", "a b:9180", "[ ]:9180"})
    void aMissingOrMalformedHostIsRefusedNamingTheValue(final String text) {
        assertThatThrownBy(() -> HostPort.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("must be host:port with a host name or address before the port, like 127.0.0.1:9180 or"
                        + " [::1]:9180, not \"" + text + "\"");
    }

    @Test
    void theOtherMistakesKeepTheirOwnMessages() {
        assertThatThrownBy(() -> HostPort.parse("::1:9180")).hasMessageContaining("needs brackets");
        assertThatThrownBy(() -> HostPort.parse(":9180")).hasMessageStartingWith("must be host:port");
        assertThatThrownBy(() -> HostPort.parse("host:port")).hasMessage("port must be a number, not \"port\"");
        assertThatThrownBy(() -> HostPort.parse("host:70000")).hasMessage("port must be in 0..65535, not 70000");
    }

    @Test
    void aLocalClientReachesAWildcardOnLoopbackOfItsFamily() {
        assertThat(HostPort.parse("0.0.0.0:9181").forLocalClient()).isEqualTo("127.0.0.1:9181");
        assertThat(HostPort.parse("[::]:11619").forLocalClient()).isEqualTo("[::1]:11619");
        assertThat(HostPort.parse("[::1]:11619").forLocalClient()).isEqualTo("[::1]:11619");
        assertThat(HostPort.parse("mail.example.org:11619").forLocalClient()).isEqualTo("mail.example.org:11619");
        assertThat(HostPort.parse("0.0.0.0:1").isWildcard()).isTrue();
        assertThat(HostPort.parse("[::]:1").isWildcard()).isTrue();
        assertThat(HostPort.parse("127.0.0.1:1").isWildcard()).isFalse();
    }
}
