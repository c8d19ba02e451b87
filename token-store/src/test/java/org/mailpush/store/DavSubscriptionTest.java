package org.mailpush.store;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The value itself: what Cyrus does not check, it does. */
class DavSubscriptionTest {

    private static final Instant T0 = Instant.parse("2026-12-01T15:39:50Z");

    private static DavSubscription withToken(final String token) {
        return new DavSubscription(token, "cal-1", "alice/cal-1", "com.apple.calendar.XServer.t",
                PushTarget.Kind.CALENDAR, "alice", null, T0, T0.plusSeconds(86_400));
    }

    @Test
    void aTokenThatIsNot64HexDigitsIsRefusedMasked() {
        // Cyrus accepted token=efef (dav-push.md §1.4).
        assertThatThrownBy(() -> withToken("efef")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not 64 hex digits");
        assertThatThrownBy(() -> withToken("ab".repeat(32) + "ab")).isInstanceOf(IllegalArgumentException.class);
        final String notHex = "zz" + "ab".repeat(31);
        assertThatThrownBy(() -> withToken(notHex)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(notHex);
    }

    @Test
    void aTokenIsStoredLowerCaseAndTheFirstTimeDefaultsToTheLast() {
        final DavSubscription subscription = withToken("AB".repeat(32));
        assertThat(subscription.deviceToken()).isEqualTo("ab".repeat(32));
        assertThat(subscription.firstSubscribed()).isEqualTo(T0);
        assertThat(subscription.key()).isEqualTo(new DavSubscriptionKey("ab".repeat(32), "cal-1"));
        assertThat(subscription.toString()).doesNotContain("ab".repeat(32));
    }

    @Test
    void aKindIsReadFromItsLabelAndMailIsNoDavSubscription() {
        assertThat(PushTarget.Kind.fromLabel("contacts")).isEqualTo(PushTarget.Kind.CONTACTS);
        assertThatThrownBy(() -> PushTarget.Kind.fromLabel("Calendar"))
                .hasMessage("kind \"Calendar\" is none of mail, calendar, contacts");
        assertThatThrownBy(() -> new DavSubscription("ab".repeat(32), "c", "u/c", "t", PushTarget.Kind.MAIL, "u",
                null, T0, T0)).hasMessageContaining("not mail");
    }
}
