package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.e2e.k8s.OperatorE2eHarness.ClusterStatusView;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenarios 1, 2 and 5 of issue 6 (run by {@code make test}): the real operator and real node
 * processes against the mock API server, with the {@link SimulatedKubelet}. One cluster lives
 * through the three scenarios in order: created, its leader killed, deleted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(E2eDiagnostics.class)
class OperatorLifecycleE2eTest {

    static final String NS = "e2e";
    static final String NAME = "life";

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;
    static long firstTerm;
    static String firstLeader;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
    }

    @Test
    @Order(1)
    void createdClusterBecomesAvailableWithLeaderAndTerm() {
        long t0 = System.nanoTime();
        E2eCluster cluster = RIG.cluster(NAME).create("  storage:\n    whenDeleted: Delete\n");
        AtomicReference<ClusterStatusView> seen = new AtomicReference<>();
        cluster.awaitAvailable(s -> {
            seen.set(s);
            assertThat(s.leader()).as("leader in %s", s).startsWith(NAME + "-");
            assertThat(s.term()).as("term in %s", s).isPositive();
        });
        ClusterStatusView s = seen.get();
        assertThat(s.phase()).isEqualTo("Running");
        assertThat(s.members()).hasSize(3);
        // The status agrees with the nodes themselves.
        int leaderOrdinal = OperatorE2eHarness.podOrdinal(NAME, s.leader());
        StatusResponse leader = harness.nodeStatus(NS, NAME, leaderOrdinal);
        assertThat(leader.getRole()).isEqualTo(Role.LEADER);
        assertThat(leader.getTerm()).isGreaterThanOrEqualTo(s.term());
        assertThat(leader.getMembersCount()).isEqualTo(3);
        assertThat(harness.kubelet().podsWithProcesses()).hasSize(3);
        firstTerm = s.term();
        firstLeader = s.leader();
        E2eDiagnostics.report(
                "scenario 1 (create 3 replicas -> Available, leader " + firstLeader + ", term " + firstTerm + ")",
                t0,
                0,
                0);
    }

    @Test
    @Order(2)
    void killingTheLeaderProcessYieldsANewLeaderWithHigherTerm() {
        assertThat(firstLeader).as("scenario 1 ran").isNotNull();
        long t0 = System.nanoTime();
        JvmProcess killed = harness.kubelet().killContainer(NS, firstLeader);
        AtomicReference<ClusterStatusView> seen = new AtomicReference<>();
        await("a new leader with a term above " + firstTerm)
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    ClusterStatusView s = harness.status(NS, NAME);
                    seen.set(s);
                    assertThat(s.term()).as("term in %s", s).isGreaterThan(firstTerm);
                    assertThat(s.leader()).as("leader in %s", s).startsWith(NAME + "-");
                });
        ClusterStatusView s = seen.get();
        long electedMs = (System.nanoTime() - t0) / 1_000_000;
        // The reporting node really leads in that term (it may be the restarted one).
        StatusResponse node = harness.nodeStatus(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, s.leader()));
        assertThat(node.getTerm()).isGreaterThanOrEqualTo(s.term());
        assertThat(killed.alive()).isFalse();
        // The kubelet restarts the killed container; the cluster is whole and Available again.
        await("all three members ready again")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    ClusterStatusView now = harness.status(NS, NAME);
                    assertThat(now.readyReplicas()).as("%s", now).isEqualTo(3);
                    assertThat(now.condition("Available")).contains("True");
                });
        E2eDiagnostics.report(
                "scenario 2 (SIGKILL leader " + firstLeader + " -> new leader "
                        + s.leader() + ", term " + firstTerm + " -> " + s.term() + ", in the status after "
                        + electedMs + " ms)",
                t0,
                0,
                0);
    }

    @Test
    @Order(3)
    void deletingTheClusterStopsEveryProcessAndRemovesEveryOwnedObject() {
        long t0 = System.nanoTime();
        String uid = harness.cluster(NS, NAME).get().getMetadata().getUid();
        harness.cluster(NS, NAME).delete();
        await("every process stopped and every owned object gone")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(harness.kubelet().podsWithProcesses()).isEmpty();
                    var c = harness.client();
                    assertThat(c.apps().statefulSets().inNamespace(NS).list().getItems())
                            .isEmpty();
                    assertThat(c.pods().inNamespace(NS).list().getItems()).isEmpty();
                    assertThat(c.services().inNamespace(NS).list().getItems()).isEmpty();
                    assertThat(c.policy()
                                    .v1()
                                    .podDisruptionBudget()
                                    .inNamespace(NS)
                                    .list()
                                    .getItems())
                            .isEmpty();
                    assertThat(c.serviceAccounts().inNamespace(NS).list().getItems())
                            .noneMatch(a -> ownedBy(a, uid));
                    assertThat(c.rbac().roles().inNamespace(NS).list().getItems())
                            .isEmpty();
                    assertThat(c.rbac().roleBindings().inNamespace(NS).list().getItems())
                            .isEmpty();
                    // whenDeleted: Delete — the claims (owned by the StatefulSet) and their volumes go too.
                    assertThat(c.persistentVolumeClaims().inNamespace(NS).list().getItems())
                            .isEmpty();
                    for (int i = 0; i < 3; i++) {
                        assertThat(harness.kubelet().volumeExists(NS, "data-" + NAME + "-" + i))
                                .isFalse();
                    }
                });
        assertThat(harness.cluster(NS, NAME).get()).isNull();
        E2eDiagnostics.report(
                "scenario 5 (delete the RaftKvCluster -> processes stopped, owned" + " objects and volumes gone)",
                t0,
                0,
                0);
    }

    private static boolean ownedBy(io.fabric8.kubernetes.api.model.HasMetadata o, String uid) {
        return o.getMetadata().getOwnerReferences() != null
                && o.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid()));
    }
}
