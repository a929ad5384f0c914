package io.raftkv.operator.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.IssuerRefSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.TlsSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the operator turns the Secrets cert-manager wrote into the pods' Secrets. */
class CertManagerPlannerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private static RaftKvCluster cluster() {
        RaftKvCluster c = TestClusters.cluster("ns", "kv", 3);
        IssuerRefSpec ref = new IssuerRefSpec();
        ref.setName("team-ca");
        c.getSpec().setTls(new TlsSpec());
        c.getSpec().getTls().setIssuerRef(ref);
        return c;
    }

    private static Map<String, String> issued(CertificateAuthority ca, String name, Duration validity) {
        CertificateAuthority.Issued i = ca.issue(name, List.of(name), NOW, validity);
        return Map.of("tls.crt", i.certificatePem(), "tls.key", i.keyPem(), "ca.crt", Pem.of(ca.certificate()));
    }

    @Test
    void everySecretWrittenGivesTheSameObjectsAsTheOwnCa() {
        CertificateAuthority a = CertificateAuthority.create("a", NOW, Duration.ofDays(365));
        CertificateAuthority b = CertificateAuthority.create("b", NOW, Duration.ofDays(365));
        Map<String, Map<String, String>> secrets = new HashMap<>();
        secrets.put("kv-0-tls", issued(a, "kv-0", Duration.ofDays(90)));
        secrets.put("kv-1-tls", issued(b, "kv-1", Duration.ofDays(90))); // the issuer moved to CA b
        secrets.put("kv-2-tls", issued(a, "kv-2", Duration.ofDays(40)));
        secrets.put("kv-operator-tls", issued(a, "raftkv-operator", Duration.ofDays(90)));
        secrets.put("kv-admin-tls", issued(a, "admin", Duration.ofDays(90)));

        TlsPlan plan = CertManagerPlanner.plan(
                cluster(), 3, n -> secrets.getOrDefault(n, Map.of()), Map.of(), Map.of("token", "t0"), NOW);

        assertThat(plan.problem()).isEmpty();
        assertThat(plan.memberSecret())
                .containsEntry("kv-1.crt", secrets.get("kv-1-tls").get("tls.crt"))
                .containsKeys("kv-0.key", "kv-2.crt", "ca.crt");
        assertThat(plan.memberSecret().get("ca.crt"))
                .contains(
                        Pem.of(a.certificate()).trim(), Pem.of(b.certificate()).trim());
        assertThat(plan.adminSecret()).containsEntry("token", "t0").containsKeys("tls.crt", "tls.key", "ca.crt");
        assertThat(plan.caSecret())
                .containsKeys("operator.crt", "operator.key", "issuer")
                .doesNotContainKey("ca.key");
        assertThat(plan.soonestNotAfter()).isEqualTo(NOW.plus(Duration.ofDays(40)));
        // cert-manager renews renewBeforeDays (30) before expiry: look again a minute after that
        assertThat(plan.recheckAt()).isEqualTo(NOW.plus(Duration.ofDays(10)).plus(Duration.ofMinutes(1)));
    }

    @Test
    void aMissingOrHalfWrittenSecretIsPendingAndTheLiveFilesStay() {
        CertificateAuthority a = CertificateAuthority.create("a", NOW, Duration.ofDays(365));
        Map<String, String> kv0 = issued(a, "kv-0", Duration.ofDays(90));
        Map<String, String> other = issued(a, "kv-1", Duration.ofDays(90));
        Map<String, Map<String, String>> secrets = new HashMap<>();
        secrets.put("kv-0-tls", kv0);
        // mid-update: a key that does not belong to the certificate
        secrets.put("kv-1-tls", Map.of("tls.crt", kv0.get("tls.crt"), "tls.key", other.get("tls.key")));
        Map<String, String> live = Map.of("kv-1.crt", "LIVE-CERT", "kv-1.key", "LIVE-KEY");

        TlsPlan plan =
                CertManagerPlanner.plan(cluster(), 3, n -> secrets.getOrDefault(n, Map.of()), live, Map.of(), NOW);

        assertThat(plan.problem())
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("waiting for cert-manager", "kv-1-tls", "kv-2-tls", "kv-operator-tls", "kv-admin-tls")
                        .doesNotContain("kv-0-tls"));
        assertThat(plan.memberSecret())
                .containsEntry("kv-0.crt", kv0.get("tls.crt"))
                .containsEntry("kv-1.crt", "LIVE-CERT")
                .doesNotContainKey("kv-2.crt");
        assertThat(plan.adminSecret().get("token")).isNotBlank();
        assertThat(plan.recheckAt()).isEqualTo(NOW.plus(CertManagerPlanner.PENDING_RECHECK));
    }
}
