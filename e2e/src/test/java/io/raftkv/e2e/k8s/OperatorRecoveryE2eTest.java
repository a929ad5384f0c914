package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.api.v1.AlarmType;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.testkit.RocksDbLibrary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 22, recovery on Kubernetes ({@code make e2e}), real node processes on the simulated kubelet,
 * one cluster through two disasters:
 *
 * <ol>
 *   <li><b>A corrupt replica.</b> Under writes, a follower is stopped and one value in its RocksDB
 *       state is changed behind Raft's back (the record stays well formed: no checksum notices);
 *       restarted, its start-up corruption check makes the leader raise {@code CORRUPT} for it. The
 *       operator replaces it by a fresh member (new id, same pod) while the other two keep the
 *       quorum and disarms the alarm; writes refused meanwhile (DATA_LOSS) are retried with their
 *       session; every acknowledged write is read back, the changed one with its written value.
 *   <li><b>Quorum loss.</b> Two pods' nodes are killed and kept down, their PVCs and pods deleted
 *       (machines gone with their disks). The operator reports {@code QuorumLost} naming the
 *       survivor with its term and last index (condition, {@code status.survivors}, event) and does
 *       nothing else until the annotation {@code raftkv.io/force-new-cluster=<pod>/<id>} confirms
 *       it; then the survivor becomes a one-member cluster and the two fresh pods join it: three
 *       voters again, a fresh configuration (the lost members' ids gone), the annotation removed,
 *       and every write the survivor had applied readable.
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorRecoveryE2eTest {

    static final String NS = "e2e-recovery";
    static final String NAME = "rec";
    static final Duration STEP_TIMEOUT = E2eCluster.STEP_TIMEOUT;

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;
    static E2eCluster cluster;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
        cluster = RIG.createAvailable(NAME, "  tls:\n    enabled: false\n");
    }

    @Test
    @Order(1)
    void aReplicaWhoseStateDivergesIsFoundCorruptAndReplacedWhileTheQuorumHolds() throws Exception {
        long t0 = System.nanoTime();
        int ordinal = cluster.followerOrdinal();
        String pod = cluster.pod(ordinal);
        long oldId = cluster.nodeStatus(ordinal).getId();
        String tampered = "corrupt/c0/00000001";
        try (WriteLoad load = cluster.newLoad("corrupt").alsoRetrying(Status.Code.DATA_LOSS, Duration.ofMinutes(4))) {
            load.start(2);
            await(tampered + " acknowledged, 50 writes")
                    .atMost(Duration.ofMinutes(2))
                    .until(() -> load.wasAcknowledged(tampered) && load.acknowledgedSoFar() >= 50);
            await(pod + " applied " + tampered)
                    .atMost(Duration.ofMinutes(1))
                    .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                    .untilAsserted(() -> assertThat(cluster.nodeStatus(ordinal).getAppliedIndex())
                            .isGreaterThanOrEqualTo(cluster.leaderStatus().getCommitIndex()));
            harness.kubelet().killAndHoldDown(NS, pod);
            await(pod + " stopped")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> harness.kubelet().process(NS, pod).isEmpty());
            tamper(harness.kubelet().claimDirectory(NS, "data-" + pod), tampered);
            harness.kubelet().release(NS, pod);
            long restarted = System.nanoTime();

            AtomicLong raisedAfterMs = new AtomicLong(-1);
            await("CORRUPT raised for member " + oldId + " of " + pod)
                    .atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        List<String> alarms = new ArrayList<>();
                        for (int i = 0; i < 3; i++) {
                            try {
                                cluster.nodeStatus(i)
                                        .getAlarmsList()
                                        .forEach(a -> alarms.add(a.getType() + ":" + a.getMemberId()));
                            } catch (RuntimeException notUp) {
                                // pod i is restarting
                            }
                        }
                        if (alarms.contains(AlarmType.CORRUPT + ":" + oldId)) {
                            raisedAfterMs.compareAndSet(-1, (System.nanoTime() - restarted) / 1_000_000);
                        }
                        // the alarm may already be gone again (repaired): then the member is too
                        assertThat(raisedAfterMs.get())
                                .as("alarms seen: %s", alarms)
                                .isNotNegative();
                    });
            cluster.awaitReplaced(ordinal, oldId);
            assertThat(cluster.leaderStatus().getAlarmsList()).as("alarms").isEmpty();
            long repairedMs = (System.nanoTime() - restarted) / 1_000_000;
            E2eCluster.awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            E2eCluster.Checked checked = cluster.stopAndVerify(load);
            assertThat(cluster.eventReasons())
                    .contains("MemberRepairStarted", "CorruptAlarmDisarmed", "RepairVolumeDeleted", "MemberRepaired");
            System.out.println("corrupt repair: member " + oldId + " of " + pod + " found CORRUPT " + raisedAfterMs
                    + " ms after its restart, replaced " + repairedMs + " ms after it; writes " + checked.result());
            E2eCluster.report(
                    "corrupt replica (a value of " + pod + " changed on disk -> CORRUPT after " + raisedAfterMs
                            + " ms -> fresh member " + repairedMs + " ms after the restart, under 2 writers)",
                    t0,
                    checked);
        }
    }

    @Test
    @Order(2)
    void afterLosingTwoOfThreeMembersAConfirmedRebuildFromTheSurvivorKeepsItsWrites() throws Exception {
        long t0 = System.nanoTime();
        cluster.awaitMembership(3);
        WriteLoad load = cluster.newLoad("lost").start(2);
        E2eCluster.awaitAcknowledged(load, 200);
        WriteLoad.Result written = load.stop();
        assertThat(written.unexpected()).isEmpty();

        int survivor = cluster.followerOrdinal();
        StatusResponse leaderBefore = cluster.leaderStatus();
        Set<Long> oldIds =
                leaderBefore.getMembersList().stream().map(m -> m.getId()).collect(Collectors.toSet());
        await(cluster.pod(survivor) + " applied every committed entry")
                .atMost(Duration.ofMinutes(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> assertThat(cluster.nodeStatus(survivor).getAppliedIndex())
                        .isGreaterThanOrEqualTo(leaderBefore.getCommitIndex()));
        StatusResponse before = cluster.nodeStatus(survivor);
        String survivorPod = cluster.pod(survivor);
        long survivorId = before.getId();

        // two machines are gone with their disks: nodes killed and kept down, PVCs and pods deleted
        List<String> lostPods = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (i != survivor) {
                lostPods.add(cluster.pod(i));
                harness.kubelet().killAndHoldDown(NS, cluster.pod(i));
            }
        }
        long lostAt = System.nanoTime();
        for (String pod : lostPods) {
            harness.client()
                    .persistentVolumeClaims()
                    .inNamespace(NS)
                    .withName("data-" + pod)
                    .delete();
            harness.client().pods().inNamespace(NS).withName(pod).delete();
        }

        await("QuorumLost naming " + survivorPod + " with its term and last index")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> {
                    var s = cluster.status();
                    assertThat(s.condition("QuorumLost")).as("%s", s).contains("True");
                    assertThat(s.conditionMessage("QuorumLost"))
                            .contains(survivorPod + " (member " + survivorId + ", term ")
                            .contains(NAME + " raftkv.io/force-new-cluster=" + survivorPod + "/" + survivorId);
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> survivors =
                            (List<Map<String, Object>>) s.raw().get("survivors");
                    assertThat(survivors).as("%s", s).hasSize(1);
                    assertThat(survivors.get(0))
                            .containsEntry("pod", survivorPod)
                            .containsEntry("memberId", Long.toString(survivorId));
                    assertThat(((Number) survivors.get(0).get("term")).longValue())
                            .isGreaterThanOrEqualTo(before.getTerm());
                    assertThat(((Number) survivors.get(0).get("lastIndex")).longValue())
                            .isGreaterThanOrEqualTo(before.getLastIndex());
                    assertThat(cluster.eventReasons()).contains("QuorumLost");
                });
        long reportedMs = (System.nanoTime() - lostAt) / 1_000_000;
        System.out.println("quorum lost: " + cluster.status().conditionMessage("QuorumLost"));

        // never automatic: without the annotation the survivor keeps its process, its id and its
        // history, and no rebuild is started
        JvmProcess survivorProcess = harness.kubelet().process(NS, survivorPod).orElseThrow();
        await("no action without the confirmation")
                .during(Duration.ofSeconds(20))
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertThat(harness.kubelet().process(NS, survivorPod)).contains(survivorProcess);
                    StatusResponse now = cluster.nodeStatus(survivor);
                    assertThat(now.getId()).isEqualTo(survivorId);
                    assertThat(now.getRole()).isNotEqualTo(Role.LEADER);
                    assertThat(cluster.status().condition("QuorumLost")).contains("True");
                    assertThat(cluster.eventReasons()).doesNotContain("ForceNewCluster");
                });

        String confirmation = survivorPod + "/" + survivorId;
        long confirmedAt = System.nanoTime();
        cluster.annotate("raftkv.io/force-new-cluster", confirmation);
        await("the survivor leads a one-member cluster")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> {
                    StatusResponse s = cluster.nodeStatus(survivor);
                    assertThat(s.getId()).isEqualTo(survivorId);
                    assertThat(s.getRole()).isEqualTo(Role.LEADER);
                });
        long leadsMs = (System.nanoTime() - confirmedAt) / 1_000_000;
        cluster.awaitMembership(3);
        long threeVotersMs = (System.nanoTime() - confirmedAt) / 1_000_000;

        StatusResponse leader = cluster.leaderStatus();
        Set<Long> newIds = leader.getMembersList().stream().map(m -> m.getId()).collect(Collectors.toSet());
        Set<Long> lostIds = oldIds.stream().filter(id -> id != survivorId).collect(Collectors.toSet());
        assertThat(newIds).as("fresh configuration").contains(survivorId).doesNotContainAnyElementsOf(lostIds);
        await("QuorumLost False, the confirmation removed")
                .atMost(Duration.ofMinutes(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .untilAsserted(() -> {
                    var s = cluster.status();
                    assertThat(s.condition("QuorumLost")).as("%s", s).contains("False");
                    assertThat(cluster.annotations()).doesNotContainKey("raftkv.io/force-new-cluster");
                });
        assertThat(cluster.eventReasons()).contains("ForceNewCluster", "QuorumRecovered");
        List<String> lost = load.verify(cluster.leaderAddress());
        assertThat(lost)
                .as("writes the survivor had applied, missing after the rebuild")
                .isEmpty();
        WriteLoad after = cluster.newLoad("rebuilt").start(1);
        E2eCluster.awaitAcknowledged(after, 20);
        E2eCluster.Checked checkedAfter = cluster.stopAndVerify(after);
        System.out.printf(
                "quorum loss: QuorumLost reported %d ms after the loss; after the confirmation the survivor led"
                        + " in %d ms, three voters in %d ms; members %s -> %s%n",
                reportedMs, leadsMs, threeVotersMs, oldIds, newIds);
        E2eDiagnostics.report(
                "quorum loss (2 of 3 volumes deleted -> QuorumLost in " + reportedMs + " ms -> confirmed rebuild from "
                        + confirmation + ": leader in " + leadsMs + " ms, 3 voters in " + threeVotersMs + " ms; "
                        + checkedAfter.result().acknowledged() + " writes after it)",
                t0,
                written.acknowledged(),
                lost.size());
    }

    /**
     * Changes one value in the stopped member's state machine, as a bad disk or a bug would, with
     * {@code StateTampering} of the node's tests run as a process on the node jar's classes.
     */
    private static void tamper(Path dataDir, String key) throws Exception {
        Path testClasses = OperatorE2eHarness.buildDir("node").resolve("test-classes");
        Path nodeJar = Path.of(System.getProperty(
                "raftkv.e2e.node.jar",
                OperatorE2eHarness.buildDir("node").resolve("raftkv-node.jar").toString()));
        ProcessBuilder b = new ProcessBuilder(RocksDbLibrary.withLibraryPath(List.of(
                        JvmProcess.javaBinary(),
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        testClasses + ":" + nodeJar,
                        "io.raftkv.node.storage.StateTampering",
                        dataDir.toString(),
                        key)))
                .redirectErrorStream(true);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                .as("StateTampering ended")
                .isTrue();
        assertThat(p.exitValue()).as("StateTampering: %s", out).isZero();
        System.out.println(out.strip());
    }
}
