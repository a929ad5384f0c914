package io.raftkv.operator.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The certificate decisions, step by step with explicit times. */
class TlsPlannerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration PROPAGATION = Duration.ofMinutes(5);
    private final TlsPlanner planner = new TlsPlanner(PROPAGATION);
    private final RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);

    @Test
    void aNewClusterGetsACaMemberOperatorAndAdminCertificates() throws Exception {
        TlsPlan plan = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), T0);

        X509Certificate ca = Pem.certificates(plan.caSecret().get("ca.crt")).get(0);
        assertThat(plan.memberSecret())
                .containsKeys("ca.crt", "kv-0.crt", "kv-0.key", "kv-1.crt", "kv-2.key")
                .doesNotContainKey("kv-3.crt");
        X509Certificate member1 =
                Pem.certificates(plan.memberSecret().get("kv-1.crt")).get(0);
        member1.verify(ca.getPublicKey());
        assertThat(TlsPlanner.dnsNamesOf(member1))
                .contains("kv-1.kv-peers.ns.svc", "kv.ns.svc")
                .doesNotContain("kv-0.kv-peers.ns.svc");
        assertThat(TlsPlanner.belongTogether(
                        member1, Pem.privateKey(plan.memberSecret().get("kv-1.key"))))
                .isTrue();
        assertThat(TlsPlanner.belongTogether(
                        member1, Pem.privateKey(plan.memberSecret().get("kv-0.key"))))
                .isFalse();
        assertThat(Pem.certificates(plan.caSecret().get("operator.crt"))
                        .get(0)
                        .getSubjectX500Principal()
                        .getName())
                .isEqualTo("CN=raftkv-operator");
        assertThat(Pem.certificates(plan.adminSecret().get("tls.crt"))
                        .get(0)
                        .getSubjectX500Principal()
                        .getName())
                .isEqualTo("CN=admin");
        assertThat(plan.adminSecret().get("token")).hasSizeGreaterThanOrEqualTo(40);
        assertThat(plan.soonestNotAfter()).isEqualTo(T0.plus(Duration.ofDays(90)));
        assertThat(plan.recheckAt()).isEqualTo(T0.plus(Duration.ofDays(60)));
        assertThat(plan.changes()).anyMatch(c -> c.contains("created the cluster CA"));
    }

    @Test
    void aSoundSetIsKeptAsItIsAndRenewedOnlyWhenDue() {
        TlsPlan first = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), T0);
        TlsPlan again = planner.plan(
                cluster, 3, first.caSecret(), first.memberSecret(), first.adminSecret(), T0.plus(Duration.ofDays(59)));
        assertThat(again.caSecret()).isEqualTo(first.caSecret());
        assertThat(again.memberSecret()).isEqualTo(first.memberSecret());
        assertThat(again.adminSecret()).isEqualTo(first.adminSecret());
        assertThat(again.changes()).isEmpty();

        TlsPlan due = planner.plan(
                cluster, 3, first.caSecret(), first.memberSecret(), first.adminSecret(), T0.plus(Duration.ofDays(61)));
        assertThat(due.caSecret().get("ca.crt")).isEqualTo(first.caSecret().get("ca.crt"));
        assertThat(due.memberSecret().get("kv-0.crt"))
                .isNotEqualTo(first.memberSecret().get("kv-0.crt"));
        assertThat(due.adminSecret().get("token")).isEqualTo(first.adminSecret().get("token"));
        assertThat(due.soonestNotAfter()).isEqualTo(T0.plus(Duration.ofDays(61 + 90)));
        assertThat(due.changes()).anyMatch(c -> c.startsWith("member 0 certificate renewed"));
    }

    @Test
    void aGrownClusterGetsOnlyTheNewOrdinalsAndAHandEditedCertificateIsReissued() {
        TlsPlan first = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), T0);
        Map<String, String> edited = new TreeMap<>(first.memberSecret());
        edited.put("kv-1.key", first.memberSecret().get("kv-2.key"));
        TlsPlan grown = planner.plan(cluster, 5, first.caSecret(), edited, first.adminSecret(), T0);
        assertThat(grown.memberSecret().get("kv-0.crt"))
                .isEqualTo(first.memberSecret().get("kv-0.crt"));
        assertThat(grown.memberSecret().get("kv-1.crt"))
                .isNotEqualTo(first.memberSecret().get("kv-1.crt"));
        assertThat(grown.memberSecret()).containsKeys("kv-3.crt", "kv-4.key");
        assertThat(grown.changes())
                .containsExactlyInAnyOrder(
                        "member 1 certificate reissued (its key did not belong to it)",
                        "member 3 certificate issued",
                        "member 4 certificate issued");
    }

    @Test
    void theCaRotatesInPhasesSoThatNoTwoMembersEverDistrustEachOther() throws Exception {
        // A CA made long ago that has less than certificateDays + renewBeforeDays left.
        // It expires at T0 + 119.5 days: fine the day before T0, due at T0 (90 + 30 days).
        Instant made = T0.minus(TlsPlanner.CA_VALIDITY).plus(Duration.ofHours(119 * 24 + 12));
        TlsPlan old = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), made);
        TlsPlan fresh = planner.plan(cluster, 3, old.caSecret(), Map.of(), Map.of(), T0.minus(Duration.ofDays(1)));
        X509Certificate oldCa = Pem.certificates(old.caSecret().get("ca.crt")).get(0);

        // phase 1: a new CA joins the bundle; the certificates stay those of the old CA
        TlsPlan p1 = planner.plan(cluster, 3, fresh.caSecret(), fresh.memberSecret(), fresh.adminSecret(), T0);
        X509Certificate newCa = Pem.certificates(p1.caSecret().get("ca.crt")).get(0);
        assertThat(newCa).isNotEqualTo(oldCa);
        assertThat(Pem.certificates(p1.memberSecret().get("ca.crt"))).containsExactly(newCa, oldCa);
        assertThat(p1.memberSecret().get("kv-0.crt"))
                .isEqualTo(fresh.memberSecret().get("kv-0.crt"));
        assertThat(p1.recheckAt()).isEqualTo(T0.plus(PROPAGATION));
        assertThat(p1.changes()).anyMatch(c -> c.startsWith("rotated the cluster CA"));

        // still inside the propagation window: nothing moves
        TlsPlan early = planner.plan(
                cluster, 3, p1.caSecret(), p1.memberSecret(), p1.adminSecret(), T0.plus(Duration.ofMinutes(4)));
        assertThat(early.memberSecret()).isEqualTo(p1.memberSecret());

        // phase 2: every certificate reissued by the new CA, the old CA still trusted
        Instant t2 = T0.plus(PROPAGATION);
        TlsPlan p2 = planner.plan(cluster, 3, p1.caSecret(), p1.memberSecret(), p1.adminSecret(), t2);
        assertThat(p2.caSecret().get("ca.crt")).isEqualTo(p1.caSecret().get("ca.crt"));
        for (String key : List.of("kv-0.crt", "kv-1.crt", "kv-2.crt")) {
            Pem.certificates(p2.memberSecret().get(key)).get(0).verify(newCa.getPublicKey());
        }
        Pem.certificates(p2.caSecret().get("operator.crt")).get(0).verify(newCa.getPublicKey());
        assertThat(Pem.certificates(p2.memberSecret().get("ca.crt"))).containsExactly(newCa, oldCa);
        assertThat(p2.recheckAt()).isEqualTo(t2.plus(PROPAGATION));

        // phase 3: the old CA leaves the bundle
        TlsPlan p3 = planner.plan(cluster, 3, p2.caSecret(), p2.memberSecret(), p2.adminSecret(), t2.plus(PROPAGATION));
        assertThat(Pem.certificates(p3.memberSecret().get("ca.crt"))).containsExactly(newCa);
        assertThat(p3.caSecret()).doesNotContainKey("previous-ca.crt");
        assertThat(p3.memberSecret().get("kv-0.crt"))
                .isEqualTo(p2.memberSecret().get("kv-0.crt"));
    }

    @Test
    void aNewValueOfTheRotateCaAnnotationRotatesTheCaInPhasesOnce() throws Exception {
        TlsPlan first = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), T0);
        X509Certificate oldCa = Pem.certificates(first.caSecret().get("ca.crt")).get(0);
        RaftKvCluster asked = TestClusters.stored("ns", "kv", 3);
        asked.getMetadata().setAnnotations(Map.of(TlsPlanner.ROTATE_CA_ANNOTATION, "2026-01-01"));

        // phase 1 at once: a new CA joins the bundle, the request is recorded
        Instant t1 = T0.plus(Duration.ofDays(1));
        TlsPlan p1 = planner.plan(asked, 3, first.caSecret(), first.memberSecret(), first.adminSecret(), t1);
        X509Certificate newCa = Pem.certificates(p1.caSecret().get("ca.crt")).get(0);
        assertThat(newCa).isNotEqualTo(oldCa);
        assertThat(Pem.certificates(p1.memberSecret().get("ca.crt"))).containsExactly(newCa, oldCa);
        assertThat(p1.caSecret()).containsEntry(TlsPlanner.ROTATED_FOR, "2026-01-01");
        assertThat(p1.changes()).anyMatch(c -> c.contains("raftkv.io/rotate-ca=2026-01-01"));
        assertThat(p1.recheckAt()).isEqualTo(t1.plus(PROPAGATION));

        // phases 2 and 3 as for a rotation before expiry; the same value never rotates again
        TlsPlan p2 = planner.plan(asked, 3, p1.caSecret(), p1.memberSecret(), p1.adminSecret(), t1.plus(PROPAGATION));
        Pem.certificates(p2.memberSecret().get("kv-1.crt")).get(0).verify(newCa.getPublicKey());
        Instant t3 = t1.plus(PROPAGATION).plus(PROPAGATION);
        TlsPlan p3 = planner.plan(asked, 3, p2.caSecret(), p2.memberSecret(), p2.adminSecret(), t3);
        assertThat(Pem.certificates(p3.memberSecret().get("ca.crt"))).containsExactly(newCa);
        TlsPlan later =
                planner.plan(asked, 3, p3.caSecret(), p3.memberSecret(), p3.adminSecret(), t3.plus(Duration.ofDays(1)));
        assertThat(later.caSecret()).isEqualTo(p3.caSecret());
        assertThat(later.changes()).isEmpty();

        // a request made while a rotation is in progress waits for it to end
        asked.getMetadata().setAnnotations(Map.of(TlsPlanner.ROTATE_CA_ANNOTATION, "again"));
        TlsPlan during =
                planner.plan(asked, 3, p1.caSecret(), p1.memberSecret(), p1.adminSecret(), t1.plus(PROPAGATION));
        assertThat(during.caSecret().get("ca.crt")).isEqualTo(p1.caSecret().get("ca.crt"));
        assertThat(during.caSecret()).containsEntry(TlsPlanner.ROTATED_FOR, "2026-01-01");
    }

    @Test
    void aDamagedCaChangesNothingAndSaysWhy() {
        TlsPlan first = planner.plan(cluster, 3, Map.of(), Map.of(), Map.of(), T0);
        Map<String, String> damaged = new TreeMap<>(first.caSecret());
        damaged.put("ca.key", first.memberSecret().get("kv-0.key"));
        TlsPlan plan = planner.plan(
                cluster, 3, damaged, first.memberSecret(), first.adminSecret(), T0.plus(Duration.ofDays(80)));
        assertThat(plan.problem())
                .hasValueSatisfying(p -> assertThat(p).contains("kv-ca").contains("ca.key does not belong to ca.crt"));
        assertThat(plan.caSecret()).isEqualTo(damaged);
        assertThat(plan.memberSecret()).isEqualTo(first.memberSecret());
        assertThat(plan.soonestNotAfter()).isEqualTo(T0.plus(Duration.ofDays(90)));
    }
}
