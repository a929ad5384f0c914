package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    static final Duration STEP_TIMEOUT = E2eCluster.STEP_TIMEOUT;

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;
    static E2eCluster cluster;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
        cluster = RIG.createAvailable(NAME, "");
    }

    @Test
    void aFollowerWhoseVolumeIsRefusedIsReplacedByAFreshMemberUnderWrites() throws Exception {
        long t0 = System.nanoTime();
        int ordinal = cluster.followerOrdinal();
        String pod = cluster.pod(ordinal);
        long oldId = cluster.nodeStatus(ordinal).getId();
        try (WriteLoad load = cluster.newLoad("repair")) {
            load.start(2);
            await("50 writes acknowledged").atMost(Duration.ofMinutes(2)).until(() -> load.acknowledgedSoFar() >= 50);
            Path format = harness.kubelet()
                    .claimDirectory(NS, "data-" + pod)
                    .resolve("storage")
                    .resolve("FORMAT");
            Files.writeString(format, "not a raftkv volume\n", StandardCharsets.US_ASCII);
            harness.kubelet().killContainer(NS, pod);
            long damaged = System.nanoTime();

            cluster.awaitReplaced(ordinal, oldId);
            long repairedMs = (System.nanoTime() - damaged) / 1_000_000;
            long before = load.acknowledgedSoFar();
            await("writes continue after the repair")
                    .atMost(Duration.ofMinutes(2))
                    .until(() -> load.acknowledgedSoFar() >= before + 50);
            E2eCluster.Checked checked = cluster.stopAndVerify(load);
            assertThat(cluster.eventReasons()).contains("MemberRepairStarted", "RepairVolumeDeleted", "MemberRepaired");
            System.out.println("repair: member " + oldId + " of " + pod + " replaced " + repairedMs
                    + " ms after its volume was damaged; writes " + checked.result());
            E2eCluster.report(
                    "repair (volume of " + pod + " refused -> fresh member in " + repairedMs + " ms under 2 writers)",
                    t0,
                    checked);
        }
    }
}
