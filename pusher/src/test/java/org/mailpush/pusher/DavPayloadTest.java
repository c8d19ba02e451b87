package org.mailpush.pusher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DavPayloadTest {

    @Test
    void isCalendarServersPayloadWithEpochSecondsAndNoAps() {
        assertThat(DavPayload.of("alice/1178pie115u8qv1hhvvk0myj", Instant.parse("2026-12-01T12:00:02.900Z"),
                Instant.parse("2026-12-01T12:00:03Z")))
                .isEqualTo("{\"key\":\"alice/1178pie115u8qv1hhvvk0myj\",\"dataChangedTimestamp\":1796126402,"
                        + "\"pushRequestSubmittedTimestamp\":1796126403}");
    }

    @Test
    void escapesTheKeyAsJsonAndReadsBackAsTheKey() throws Exception {
        final String key = "bob@example.com/a\"b\\c\u00e9\n";
        final String payload = DavPayload.of(key, Instant.EPOCH, Instant.EPOCH);
        assertThat(payload).startsWith("{\"key\":\"bob@example.com/a\\\"b\\\\c\u00e9\\n\",");
        final JsonNode read = new ObjectMapper().readTree(payload);
        assertThat(read.get("key").asText()).isEqualTo(key);
        assertThat(read.has("aps")).isFalse();
        assertThat(read.get("dataChangedTimestamp").isIntegralNumber()).isTrue();
    }
}
