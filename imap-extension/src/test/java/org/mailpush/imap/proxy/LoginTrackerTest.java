package org.mailpush.imap.proxy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailpush.imap.proxy.LoginTracker.Outcome;

/** Who the session belongs to: set once, by the server's OK to that login, and never again. */
class LoginTrackerTest {

    private final LoginTracker login = new LoginTracker();

    private static String b64(final String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void onlyTheAnswerWithTheLoginsTagCounts() {
        login.sent("l1", "the LOGIN command", "alice");
        assertThat(login.pending()).isTrue();
        assertThat(login.answered("other", true)).isEqualTo(Outcome.NOT_A_LOGIN);
        assertThat(login.authenticated()).isFalse();
        assertThat(login.answered("l1", true)).isEqualTo(Outcome.LOGGED_IN);
        assertThat(login.user()).isEqualTo("alice");
        assertThat(login.pending()).isFalse();
        assertThat(login.answered("l1", true)).as("answered once").isEqualTo(Outcome.NOT_A_LOGIN);
    }

    @Test
    void aRefusedLoginLeavesNobodyAndAnotherMayFollow() {
        login.sent("l1", "the LOGIN command", "victim");
        assertThat(login.answered("l1", false)).isEqualTo(Outcome.REFUSED);
        assertThat(login.user()).isNull();
        assertThat(login.authenticated()).isFalse();
        login.sent("l2", "the LOGIN command", "alice");
        login.answered("l2", true);
        assertThat(login.user()).isEqualTo("alice");
    }

    @Test
    void theUserNeverChangesOnceAccepted() {
        login.sent("l1", "the LOGIN command", "alice");
        login.answered("l1", true);
        assertThatThrownBy(() -> login.sent("l2", "the LOGIN command", "bob"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(login.user()).isEqualTo("alice");
    }

    @Test
    void oneLoginAtATime() {
        login.sent("l1", "PLAIN", null);
        assertThatThrownBy(() -> login.sent("l2", "PLAIN", null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void saslNamesTheAuthorizationIdentityFromTheFirstResponseOnly() {
        login.sent("a", "PLAIN", null);
        login.saslResponse(b64("bob\0alice\0pw"));
        login.saslResponse(b64("\0mallory\0pw"));
        login.answered("a", true);
        assertThat(login.user()).isEqualTo("bob");
    }

    @Test
    void scramNamesItsAuthzidOverItsUsername() {
        login.sent("a", "SCRAM-SHA-256", null);
        login.saslResponse(b64("n,a=bob,n=alice,r=abc"));
        login.answered("a", true);
        assertThat(login.user()).isEqualTo("bob");
        final LoginTracker plain = new LoginTracker();
        plain.sent("a", "SCRAM-SHA-1", null);
        plain.saslResponse(b64("n,,n=carol,r=abc"));
        plain.answered("a", true);
        assertThat(plain.user()).isEqualTo("carol");
    }

    @Test
    void aCancelledOrHiddenMechanismNamesNobody() {
        login.sent("a", "PLAIN", null);
        login.saslResponse("*");
        login.answered("a", false);
        login.sent("b", "GSSAPI", null);
        login.saslResponse("YIIB");
        login.answered("b", true);
        assertThat(login.authenticated()).isTrue();
        assertThat(login.user()).isNull();
    }

    @Test
    void aPreauthenticatedSessionIsAuthenticatedWithoutAUser() {
        login.preauthenticated();
        assertThat(login.authenticated()).isTrue();
        assertThat(login.user()).isNull();
    }

    @Test
    void theLoginCommandsUserInAnyStringForm() {
        assertThat(LoginTracker.userOfLoginCommand("a LOGIN alice pw\r\n".getBytes())).isEqualTo("alice");
        assertThat(LoginTracker.userOfLoginCommand("a LOGIN \"al ice\" pw\r\n".getBytes())).isEqualTo("al ice");
        assertThat(LoginTracker.userOfLoginCommand("a LOGIN {5}\r\nalice {2}\r\npw\r\n".getBytes())).isEqualTo("alice");
        assertThat(LoginTracker.userOfLoginCommand("a LOGIN \"\" pw\r\n".getBytes())).isNull();
        assertThat(LoginTracker.userOfLoginCommand("a LOGIN \"unclosed\r\n".getBytes())).isNull();
        assertThat(LoginTracker.userOfLoginCommand(null)).isNull();
    }
}
