package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22, restore on Kubernetes ({@code make e2e}): a cluster takes writes, a backup is
 * downloaded from one of its followers onto a volume, and a new RaftKvCluster with
 * {@code spec.restore.pvc} is created from it. Its first pod restores the file under a fresh member
 * id before it serves, the operator adds two more members, and every write acknowledged before the
 * backup is read back from the restored cluster, whose members share no id with the source.
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorRestoreE2eTest {

    static final String NS = "dr";
    static final String SOURCE = "src";
    static final String RESTORED = "back";
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
    }

    @Test
    void aClusterRestoredFromABackupHoldsEveryWriteAcknowledgedBeforeItUnderFreshIds() throws Exception {
        long t0 = System.nanoTime();
        harness.apply(cluster(SOURCE, ""));
        awaitThreeVoters(SOURCE);
        WriteLoad load = new WriteLoad(
                harness.calls(),
                () -> harness.podAddresses(NS, SOURCE),
                harness.network()::toLoopback,
                "restore",
                harness.seed());
        load.start(2);
        await("writes acknowledged").atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(load.unexpectedSoFar()).isEmpty();
            assertThat(load.acknowledgedSoFar()).isGreaterThanOrEqualTo(150);
        });
        WriteLoad.Result written = load.stop();
        assertThat(written.unexpected()).isEmpty();

        int follower = -1;
        for (int i = 0; i < 3 && follower < 0; i++) {
            if (harness.nodeStatus(NS, SOURCE, i).getRole() == Role.FOLLOWER) {
                follower = i;
            }
        }
        assertThat(follower).as("a follower of the source").isNotNegative();
        Set<Long> sourceIds = harness.nodeStatus(NS, SOURCE, follower).getMembersList().stream()
                .map(m -> m.getId())
                .collect(Collectors.toSet());
        harness.client()
                .persistentVolumeClaims()
                .inNamespace(NS)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("backups")
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withNewResources()
                        .addToRequests("storage", new Quantity("1Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
        Path dir = harness.kubelet().claimDirectory(NS, "backups").resolve("nightly");
        Files.createDirectories(dir);
        long backupIndex = harness.calls()
                .snapshot(
                        harness.kubelet().clientAddress(NS, SOURCE, follower),
                        dir.resolve("src.snap"),
                        Duration.ofMinutes(2));
        long backupBytes = Files.size(dir.resolve("src.snap"));

        long restoreStart = System.nanoTime();
        harness.apply(cluster(RESTORED, """
          restore:
            pvc:
              claimName: backups
              path: nightly/src.snap
        """));
        await("restored member leads")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(
                        () -> assertThat(harness.status(NS, RESTORED).leader()).isNotEmpty());
        double firstLeaderSeconds = (System.nanoTime() - restoreStart) / 1e9;
        awaitThreeVoters(RESTORED);
        double threeVotersSeconds = (System.nanoTime() - restoreStart) / 1e9;

        var status = harness.status(NS, RESTORED);
        assertThat(status.condition("Restored")).as("%s", status).contains("True");
        @SuppressWarnings("unchecked")
        Map<String, Object> restore = (Map<String, Object>) status.raw().get("restore");
        assertThat(restore)
                .containsEntry("phase", "Complete")
                .containsEntry("source", "pvc://backups/nightly/src.snap");
        String done = Files.readString(
                harness.kubelet().claimDirectory(NS, "data-" + RESTORED + "-0").resolve("restore.done"),
                StandardCharsets.UTF_8);
        assertThat(done).contains("at index " + backupIndex);

        String leader = status.leader();
        StatusResponse leaderStatus = harness.nodeStatus(NS, RESTORED, OperatorE2eHarness.podOrdinal(RESTORED, leader));
        assertThat(leaderStatus.getMembersList()).hasSize(3).allMatch(m -> m.getRole() == MemberRole.VOTER);
        Set<Long> restoredIds =
                leaderStatus.getMembersList().stream().map(m -> m.getId()).collect(Collectors.toSet());
        assertThat(restoredIds).as("fresh member ids").doesNotContainAnyElementsOf(sourceIds);
        List<String> lost = load.verify(
                harness.kubelet().clientAddress(NS, RESTORED, OperatorE2eHarness.podOrdinal(RESTORED, leader)));
        assertThat(lost)
                .as("writes acknowledged before the backup, missing after the restore")
                .isEmpty();
        // every replica of the restored cluster applied the same state
        await("equal state hashes").atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            Set<String> hashes = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                StatusResponse s = harness.nodeStatus(NS, RESTORED, i);
                hashes.add(s.getStateHashIndex() + ":" + s.getStateHash());
            }
            assertThat(hashes).hasSize(1);
        });
        System.out.printf(
                "restore: backup of %d bytes at index %d from follower %s-%d; restored member leads %.1f s after"
                        + " the RaftKvCluster was created, three voters after %.1f s%n",
                backupBytes, backupIndex, SOURCE, follower, firstLeaderSeconds, threeVotersSeconds);
        E2eDiagnostics.report(
                "restore (backup from a follower -> spec.restore.pvc -> 3 voters under fresh ids)",
                t0,
                written.acknowledged(),
                lost.size());
    }

    private static String cluster(String name, String extra) {
        return cluster(name, NS, extra);
    }

    /** A three-member RaftKvCluster without TLS, with {@code extra} appended to its spec. */
    static String cluster(String name, String ns, String extra) {
        return E2eCluster.yaml(name, ns, "  image: raftkv/raftkv-node:0.1.0\n  tls:\n    enabled: false\n" + extra);
    }

    private static void awaitThreeVoters(String name) {
        RIG.cluster(name).awaitRunning(3);
    }
}
