package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.raftkv.api.v1.StatusResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * Scenarios 3 and 4 of issue 6 (run by {@code make e2e}, i.e. with
 * {@code -Draftkv.e2e.full=true}): membership-safe scaling 3 → 5 → 3 and a rolling restart on an
 * image change, both under continuous writes from 4 clients, with every acknowledged write read
 * back afterwards.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
class OperatorScalingE2eTest {

    static final String NS = "e2e";
    static final String NAME = "grow";
    static final int CLIENTS = 4;
    static final Duration STEP_TIMEOUT = E2eCluster.STEP_TIMEOUT;

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static OperatorE2eHarness harness;
    static E2eCluster cluster;

    @BeforeAll
    static void start() {
        harness = RIG.harness();
        cluster = RIG.createAvailable(NAME, "  image: raftkv/raftkv-node:0.1.0\n");
    }

    @Test
    @Order(3)
    void scalingThreeToFiveToThreeUnderWritesLosesNothing() {
        long t0 = System.nanoTime();
        try (WriteLoad load = cluster.newLoad("scale")) {
            load.start(CLIENTS);
            E2eCluster.awaitAcknowledged(load, 50);
            cluster.setSpec(Map.of("replicas", 5));
            cluster.awaitMembership(5);
            long afterGrow = load.acknowledgedSoFar();
            System.out.println(
                    "scale 3 -> 5 done after " + seconds(t0) + " s, " + afterGrow + " writes acknowledged so far");
            cluster.setSpec(Map.of("replicas", 3));
            cluster.awaitMembership(3);
            await("pods 3 and 4 gone and their processes stopped")
                    .atMost(STEP_TIMEOUT)
                    .untilAsserted(() -> assertThat(harness.kubelet().podsWithProcesses())
                            .containsExactlyInAnyOrder(
                                    NS + "/" + NAME + "-0", NS + "/" + NAME + "-1", NS + "/" + NAME + "-2"));
            E2eCluster.awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            E2eCluster.Checked checked = cluster.stopAndVerify(load);
            System.out.println("scenario 3 writes: " + checked.result());
            assertThat(checked.result().acknowledged()).isGreaterThan(afterGrow);
            E2eCluster.report("scenario 3 (scale 3 -> 5 -> 3 under " + CLIENTS + " writers)", t0, checked);
        }
    }

    @Test
    @Order(4)
    void imageChangeRollsPodsOneAtATimeWithLeadershipMovedFirst() {
        long t0 = System.nanoTime();
        ConcurrentLinkedQueue<String> stops = new ConcurrentLinkedQueue<>();
        harness.kubelet().onPreStop((ns, pod) -> {
            String role;
            try {
                StatusResponse s = harness.nodeStatus(ns, NAME, OperatorE2eHarness.podOrdinal(NAME, pod));
                role = s.getRole().name() + " term " + s.getTerm();
            } catch (RuntimeException e) {
                role = "unknown (" + e.getMessage() + ")";
            }
            stops.add(pod + " " + role);
        });
        String oldRevision = harness.client()
                .apps()
                .statefulSets()
                .inNamespace(NS)
                .withName(NAME)
                .get()
                .getStatus()
                .getUpdateRevision();
        try (WriteLoad load = cluster.newLoad("roll")) {
            load.start(CLIENTS);
            E2eCluster.awaitAcknowledged(load, 50);
            cluster.setSpec(Map.of("image", "raftkv/raftkv-node:0.2.0"));
            await("every pod restarted on the new template")
                    .atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        var sts = harness.client()
                                .apps()
                                .statefulSets()
                                .inNamespace(NS)
                                .withName(NAME)
                                .get();
                        String revision = sts.getStatus().getUpdateRevision();
                        assertThat(revision).isNotEqualTo(oldRevision);
                        List<Pod> pods = harness.client()
                                .pods()
                                .inNamespace(NS)
                                .withLabel("app.kubernetes.io/instance", NAME)
                                .list()
                                .getItems();
                        assertThat(pods).hasSize(3).allSatisfy(p -> {
                            assertThat(StatefulSetRules.revisionOf(p)).isEqualTo(revision);
                            assertThat(SimulatedKubelet.isReady(p)).isTrue();
                        });
                        var s = harness.status(NS, NAME);
                        assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    });
            cluster.awaitMembership(3);
            E2eCluster.awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            E2eCluster.Checked checked = cluster.stopAndVerify(load);
            System.out.println("scenario 4 pod stops: " + stops);
            System.out.println("scenario 4 writes: " + checked.result());
            assertThat(stops)
                    .as("one stop per pod, none while it led")
                    .hasSize(3)
                    .noneMatch(s -> s.contains(" LEADER ") || s.contains("unknown"));
            assertThat(stops.stream().map(s -> s.split(" ")[0]).collect(Collectors.toSet()))
                    .hasSize(3);
            E2eCluster.report("scenario 4 (image change -> rolling restart " + stops + ")", t0, checked);
        } finally {
            harness.kubelet().onPreStop((ns, pod) -> {});
        }
    }

    private static String seconds(long t0) {
        return String.format("%.1f", (System.nanoTime() - t0) / 1e9);
    }
}
