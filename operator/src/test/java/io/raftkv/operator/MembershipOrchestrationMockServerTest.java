package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.membership.FakeNodeAdmin;
import io.raftkv.operator.membership.MemberView;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.status.ConditionTypes;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The membership orchestration end to end on the Fabric8 mock API server (CRUD mode): the real
 * reconciler and dependents, a {@link FakeNodeAdmin} as the Raft cluster, and the test playing
 * the StatefulSet controller and kubelet ({@link SimulatedStatefulSetController}) round by round.
 */
class MembershipOrchestrationMockServerTest {

    private static final String NS = "ns-members";
    private static final String NAME = "mem";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Operator operator;
    private FakeNodeAdmin nodes;
    private SimulatedStatefulSetController kube;
    private final Set<String> phasesSeen = new LinkedHashSet<>();

    @BeforeEach
    void start() throws Exception {
        // The CRUD mock with the Eviction API: the operator restarts pods by evicting them.
        server = new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(),
                new io.fabric8.mockwebserver.MockWebServer(),
                new java.util.HashMap<>(),
                new EvictingCrudDispatcher(),
                false);
        server.init();
        client = server.createClient();
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).createOr(c -> c.update());
        }
        nodes = new FakeNodeAdmin();
        kube = new SimulatedStatefulSetController(client, nodes, NS, NAME);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MembershipSettings settings = new MembershipSettings(
                100, Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(200));
        operator = RaftKvOperator.create(
                client,
                registry,
                new ClusterMetrics(registry),
                new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0),
                Optional.empty(),
                Clock.systemUTC(),
                nodes,
                (cluster, ordinal) -> SimulatedStatefulSetController.targetOf(
                        cluster.getMetadata().getName(), ordinal),
                settings);
        operator.start();
    }

    @AfterEach
    void stop() {
        operator.stop();
        client.close();
        server.destroy();
    }

    @Test
    void scalesThreeToFiveToThreeOneMemberAtATimeThenRollsLeaderLast() {
        client.resource(TestClusters.cluster(NS, NAME, 3)).create();
        kube.bootstrap(3);
        playUntil(() -> phase().equals(ConditionTypes.PHASE_RUNNING));

        // 3 -> 5: grow by one pod, add its member as a learner, promote it, then the next.
        patchSpec("{\"replicas\":5}");
        playUntil(() -> voters() == 5 && converged());
        List<String> up = nodes.changes();
        assertThat(up).hasSize(4);
        assertThat(up.get(0)).startsWith("AddLearner ");
        assertThat(up.get(1)).isEqualTo("Promote " + up.get(0).substring("AddLearner ".length()));
        assertThat(up.get(2)).startsWith("AddLearner ");
        assertThat(up.get(3)).isEqualTo("Promote " + up.get(2).substring("AddLearner ".length()));
        assertThat(nodes.maxLearnersSeen()).isEqualTo(1);
        assertThat(kube.replicasSeen()).containsExactly(3, 4, 5);
        assertThat(nodes.members())
                .extracting(MemberView::peerAddress)
                .contains("mem-3.mem-peers.ns-members.svc:9091", "mem-4.mem-peers.ns-members.svc:9091");
        assertThat(pdbMaxUnavailable()).isEqualTo(2);
        assertThat(phasesSeen).contains(ConditionTypes.PHASE_SCALING);

        // 5 -> 3 with the leader on the highest pod: leadership moves before its member goes.
        long leavingLeader = nodes.idAt("mem-4");
        nodes.makeLeader(leavingLeader);
        patchSpec("{\"replicas\":3}");
        playUntil(() -> voters() == 3 && nodes.members().size() == 3 && converged());
        List<String> down = nodes.changes().subList(4, nodes.changes().size());
        assertThat(down).hasSize(3);
        assertThat(down.get(0)).startsWith("Transfer " + leavingLeader + "->");
        assertThat(down.get(1)).isEqualTo("Remove " + leavingLeader);
        assertThat(down.get(2)).isEqualTo("Remove " + nodes.idAt("mem-3"));
        assertThat(kube.replicasSeen()).containsExactly(3, 4, 5, 4, 3);
        assertThat(nodes.members()).extracting(MemberView::id).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(pdbMaxUnavailable()).isEqualTo(1);

        // New image: pods restart one at a time, followers first, the leader last after a transfer.
        long leaderBefore = nodes.leaderId();
        patchSpec("{\"image\":\"raftkv/raftkv-node:0.2.0\"}");
        playUntil(() ->
                kube.restarts().size() == 3 && converged() && get().getStatus().getReadyReplicas() == 3);
        Map<String, Boolean> restarts = kube.restarts();
        assertThat(restarts.values()).as("no pod restarted while its node led").containsOnly(false);
        String leaderPod = "mem-" + (leaderBefore - 1);
        assertThat(List.copyOf(restarts.keySet()).get(2)).isEqualTo(leaderPod);
        assertThat(nodes.changes().get(nodes.changes().size() - 1)).startsWith("Transfer " + leaderBefore + "->");
        assertThat(nodes.changes()).noneMatch(c -> c.startsWith("STOPPED-LEADER"));
        assertThat(phasesSeen).contains(ConditionTypes.PHASE_UPGRADING);
        assertThat(eventReasons())
                .contains(
                        "Scaled",
                        "LearnerAdded",
                        "MemberPromoted",
                        "LeadershipTransferred",
                        "MemberRemoved",
                        "PodRestarted");
    }

    @Test
    void learnerThatDoesNotCatchUpIsNotPromotedAndNothingElseMoves() {
        client.resource(TestClusters.cluster(NS, NAME, 3)).create();
        kube.bootstrap(3);
        playUntil(() -> phase().equals(ConditionTypes.PHASE_RUNNING));
        nodes.setLearnersCatchUp(false);

        patchSpec("{\"replicas\":5}");
        playUntil(() -> get().getStatus().getOperation() != null
                && "LearnerCatchingUp".equals(get().getStatus().getOperation().getStep()));
        // Several more rounds: still one learner, no promotion, the StatefulSet stays at 4.
        for (int round = 0; round < 20; round++) {
            kube.sync();
        }
        assertThat(nodes.changes()).hasSize(1).allMatch(c -> c.startsWith("AddLearner "));
        assertThat(client.apps()
                        .statefulSets()
                        .inNamespace(NS)
                        .withName(NAME)
                        .get()
                        .getSpec()
                        .getReplicas())
                .isEqualTo(4);
        assertThat(phase()).isEqualTo(ConditionTypes.PHASE_SCALING);

        nodes.setLearnersCatchUp(true);
        playUntil(() -> voters() == 5 && converged());
        assertThat(nodes.changes()).hasSize(4);
    }

    @Test
    void aCorruptMemberIsReplacedByAFreshOneAndItsAlarmDisarmed() {
        kube.withClaims();
        client.resource(TestClusters.cluster(NS, NAME, 3)).create();
        kube.bootstrap(3);
        playUntil(() -> phase().equals(ConditionTypes.PHASE_RUNNING));
        String oldClaim = claimCreated("data-mem-2");
        long corrupt = nodes.idAt("mem-2");
        nodes.raiseCorrupt(corrupt);

        playUntil(() -> voters() == 3
                && nodes.members().stream().noneMatch(m -> m.id() == corrupt)
                && nodes.corrupt().isEmpty()
                && converged());
        long fresh = nodes.idAt("mem-2");
        assertThat(fresh).isNotEqualTo(corrupt).isGreaterThanOrEqualTo(1L << 32);
        assertThat(nodes.changes())
                .containsExactly(
                        "Remove " + corrupt, "DisarmCorrupt " + corrupt, "AddLearner " + fresh, "Promote " + fresh);
        assertThat(claimCreated("data-mem-2")).as("a new volume").isNotEqualTo(oldClaim);
        assertThat(eventReasons())
                .contains("MemberRepairStarted", "CorruptAlarmDisarmed", "RepairVolumeDeleted", "MemberRepaired");
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getMessage())
                        .contains("Removed member " + corrupt + " of pod mem-2 to repair it", "CORRUPT alarm names"));
    }

    @Test
    void withManualRepairACorruptMemberIsLeftAlone() {
        kube.withClaims();
        RaftKvCluster manual = TestClusters.cluster(NS, NAME, 3);
        manual.getSpec().setMemberRepair(io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec.MemberRepair.Manual);
        client.resource(manual).create();
        kube.bootstrap(3);
        playUntil(() -> phase().equals(ConditionTypes.PHASE_RUNNING));
        nodes.raiseCorrupt(nodes.idAt("mem-1"));
        for (int round = 0; round < 30; round++) {
            kube.sync();
        }
        assertThat(nodes.changes()).isEmpty();
        assertThat(nodes.corrupt()).hasSize(1);
    }

    private String claimCreated(String claim) {
        return client.persistentVolumeClaims()
                .inNamespace(NS)
                .withName(claim)
                .get()
                .getMetadata()
                .getCreationTimestamp();
    }

    private void playUntil(BooleanSupplier done) {
        try {
            play(done);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            RaftKvCluster c = get();
            throw new AssertionError(
                    "changes " + nodes.changes() + ", corrupt " + nodes.corrupt() + ", members " + nodes.members()
                            + ", status.operation "
                            + (c.getStatus() == null ? null : c.getStatus().getOperation())
                            + ", events " + eventReasons(),
                    e);
        }
    }

    private void play(BooleanSupplier done) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            kube.sync();
            RaftKvCluster c = get();
            if (c != null && c.getStatus() != null && c.getStatus().getPhase() != null) {
                phasesSeen.add(c.getStatus().getPhase());
            }
            return done.getAsBoolean();
        });
    }

    private boolean converged() {
        RaftKvCluster c = get();
        return c.getStatus() != null
                && c.getStatus().getOperation() == null
                && ConditionTypes.PHASE_RUNNING.equals(c.getStatus().getPhase());
    }

    private long voters() {
        return nodes.members().stream().filter(MemberView::voter).count();
    }

    private String phase() {
        RaftKvCluster c = get();
        return c == null || c.getStatus() == null || c.getStatus().getPhase() == null
                ? ""
                : c.getStatus().getPhase();
    }

    private RaftKvCluster get() {
        return client.resources(RaftKvCluster.class)
                .inNamespace(NS)
                .withName(NAME)
                .get();
    }

    private int pdbMaxUnavailable() {
        return client.resources(PodDisruptionBudget.class)
                .inNamespace(NS)
                .withName(NAME)
                .get()
                .getSpec()
                .getMaxUnavailable()
                .getIntVal();
    }

    private List<String> eventReasons() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .map(e -> e.getReason())
                .toList();
    }

    private void patchSpec(String specJson) {
        client.resources(RaftKvCluster.class)
                .inNamespace(NS)
                .withName(NAME)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
    }
}
