package org.mailpush.pusher;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MailPayloadTest {

    @Test
    void isTheMailAccountPayload() {
        assertThat(MailPayload.forAccount("0715A26B-CA09-4730-A419-793000CA982E"))
                .isEqualTo("{\"aps\":{\"account-id\":\"0715A26B-CA09-4730-A419-793000CA982E\"}}");
    }

    @Test
    void escapesWhatAClientSent() {
        assertThat(MailPayload.forAccount("a\"b\\c")).isEqualTo("{\"aps\":{\"account-id\":\"a\\\"b\\\\c\"}}");
    }
}
