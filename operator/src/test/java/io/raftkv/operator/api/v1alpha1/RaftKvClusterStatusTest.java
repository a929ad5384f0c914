package io.raftkv.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The status's equality decides whether the reconciler patches it: every field must take part. */
class RaftKvClusterStatusTest {

    private static RaftKvClusterStatus status(List<String> alarms, String certificatesNotAfter) {
        RaftKvClusterStatus s = new RaftKvClusterStatus();
        s.setPhase("Running");
        s.setAlarms(alarms);
        TlsStatus tls = new TlsStatus();
        tls.setCertificatesNotAfter(certificatesNotAfter);
        s.setTls(tls);
        return s;
    }

    @Test
    void alarmsAndTlsTakePartInEqualsAndHashCode() {
        RaftKvClusterStatus a = status(List.of("NOSPACE"), "2027-01-01T00:00:00Z");
        RaftKvClusterStatus same = status(List.of("NOSPACE"), "2027-01-01T00:00:00Z");
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);

        RaftKvClusterStatus otherAlarms = status(List.of(), "2027-01-01T00:00:00Z");
        assertThat(a).isNotEqualTo(otherAlarms);
        assertThat(a.hashCode()).isNotEqualTo(otherAlarms.hashCode());

        RaftKvClusterStatus otherTls = status(List.of("NOSPACE"), "2027-02-01T00:00:00Z");
        assertThat(a).isNotEqualTo(otherTls);
        assertThat(a.hashCode()).isNotEqualTo(otherTls.hashCode());
    }
}
