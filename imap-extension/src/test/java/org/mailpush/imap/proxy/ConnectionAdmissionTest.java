package org.mailpush.imap.proxy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailpush.imap.proxy.ConnectionAdmission.Verdict;

/** The total and the per-address share of connections. */
class ConnectionAdmissionTest {

    @Test
    void oneAddressGetsItsShareAndOthersStillGetIn() throws Exception {
        final ConnectionAdmission admission = new ConnectionAdmission(10, 3);
        final InetAddress greedy = InetAddress.getByName("198.51.100.1");
        final InetAddress other = InetAddress.getByName("198.51.100.2");
        for (int i = 0; i < 3; i++) {
            assertThat(admission.admit(greedy)).isEqualTo(Verdict.ADMITTED);
        }
        assertThat(admission.admit(greedy)).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
        assertThat(admission.admit(other)).isEqualTo(Verdict.ADMITTED);
        assertThat(admission.open()).isEqualTo(4);
        admission.release(greedy);
        assertThat(admission.admit(greedy)).isEqualTo(Verdict.ADMITTED);
    }

    @Test
    void theTotalBindsEveryAddressAndFreedSlotsAreForgotten() throws Exception {
        final ConnectionAdmission admission = new ConnectionAdmission(2, 2);
        final InetAddress a = InetAddress.getByName("198.51.100.1");
        final InetAddress b = InetAddress.getByName("198.51.100.2");
        assertThat(admission.admit(a)).isEqualTo(Verdict.ADMITTED);
        assertThat(admission.admit(b)).isEqualTo(Verdict.ADMITTED);
        assertThat(admission.admit(InetAddress.getByName("198.51.100.3"))).isEqualTo(Verdict.TOO_MANY);
        admission.release(a);
        admission.release(b);
        assertThat(admission.open()).isZero();
        assertThat(admission.addresses()).as("no entry left per address gone").isZero();
    }
}
