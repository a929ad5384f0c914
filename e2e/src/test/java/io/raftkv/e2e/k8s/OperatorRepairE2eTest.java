package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.StatusResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Automatic member repair on the simulated kubelet with real node processes (run by
 * {@code make e2e}): under writes, a follower's volume is damaged (its format marker overwritten)
 * and its container killed; the restarted node refuses the volume (exit 3); the operator removes
 * the member, deletes its PVC and pod, and adds the recreated pod's fresh member; every
 * acknowledged write is still there and no write failed beyond retries.
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorRepairE2eTest {

    static final String NS = "e2e-repair";
    static final String NAME = "fix";
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

    static OperatorE2eHarness harness;

    @BeforeAll
    static void start() throws Exception {
        harness = OperatorE2eHarness.start(NS);
        E2eDiagnostics.register(harness);
        harness.apply("""
        apiVersion: raftkv.io/v1alpha1
        kind: RaftKvCluster
        metadata:
          name: %s
          namespace: %s
        spec:
          replicas: 3
        """.formatted(NAME, NS));
        await("cluster Available")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    var s = harness.status(NS, NAME);
                    assertThat(s.condition("Available")).as("%s", s).contains("True");
                    assertThat(s.readyReplicas()).isEqualTo(3);
                    assertThat(s.leader()).isNotEmpty();
                });
    }

    @AfterAll
    static void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void aFollowerWhoseVolumeIsRefusedIsReplacedByAFreshMemberUnderWrites() throws Exception {
        long t0 = System.nanoTime();
        String leader = harness.status(NS, NAME).leader();
        int ordinal = OperatorE2eHarness.podOrdinal(NAME, leader) == 2 ? 1 : 2;
        String pod = NAME + "-" + ordinal;
        long oldId = harness.nodeStatus(NS, NAME, ordinal).getId();
        try (WriteLoad load = new WriteLoad(
                harness.calls(),
                () -> harness.podAddresses(NS, NAME),
                harness.network()::toLoopback,
                "repair",
                harness.seed())) {
            load.start(2);
            await("50 writes acknowledged").atMost(Duration.ofMinutes(2)).until(() -> load.acknowledgedSoFar() >= 50);
            Path format = harness.kubelet()
                    .claimDirectory(NS, "data-" + pod)
                    .resolve("storage")
                    .resolve("FORMAT");
            Files.writeString(format, "not a raftkv volume\n", StandardCharsets.US_ASCII);
            harness.kubelet().killContainer(NS, pod);
            long damaged = System.nanoTime();

            await("member " + oldId + " of " + pod + " replaced by a fresh member, 3 voters, Running")
                    .atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        var s = harness.status(NS, NAME);
                        assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                        assertThat(s.operation()).as("%s", s).isEmpty();
                        assertThat(s.readyReplicas()).isEqualTo(3);
                        StatusResponse n = harness.nodeStatus(NS, NAME, ordinal);
                        assertThat(n.getId()).isNotEqualTo(oldId);
                        StatusResponse l =
                                harness.nodeStatus(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, s.leader()));
                        assertThat(l.getMembersList())
                                .hasSize(3)
                                .allSatisfy(m -> assertThat(m.getRole()).isEqualTo(MemberRole.VOTER))
                                .noneSatisfy(m -> assertThat(m.getId()).isEqualTo(oldId));
                    });
            long repairedMs = (System.nanoTime() - damaged) / 1_000_000;
            long before = load.acknowledgedSoFar();
            await("writes continue after the repair")
                    .atMost(Duration.ofMinutes(2))
                    .until(() -> load.acknowledgedSoFar() >= before + 50);
            WriteLoad.Result result = load.stop();
            String leaderNow = harness.status(NS, NAME).leader();
            List<String> lost = load.verify(
                    harness.kubelet().clientAddress(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, leaderNow)));
            List<String> reasons = harness.client().v1().events().inNamespace(NS).list().getItems().stream()
                    .map(e -> e.getReason())
                    .toList();
            assertThat(reasons).contains("MemberRepairStarted", "RepairVolumeDeleted", "MemberRepaired");
            assertThat(result.unexpected())
                    .as("client errors other than retried ones")
                    .isEmpty();
            assertThat(result.abandoned()).isZero();
            assertThat(lost).as("acknowledged writes lost").isEmpty();
            System.out.println("repair: member " + oldId + " of " + pod + " replaced " + repairedMs
                    + " ms after its volume was damaged; writes " + result);
            E2eDiagnostics.report(
                    "repair (volume of " + pod + " refused -> fresh member in " + repairedMs + " ms under 2 writers;"
                            + " retried " + result.retriedByCode() + ", longest gap between acknowledgements "
                            + result.maxAckGapMs() + " ms)",
                    t0,
                    result.acknowledged(),
                    lost.size());
        }
    }
}
