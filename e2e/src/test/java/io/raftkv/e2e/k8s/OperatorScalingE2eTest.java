package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

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
          image: raftkv/raftkv-node:0.1.0
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
    @Order(3)
    void scalingThreeToFiveToThreeUnderWritesLosesNothing() {
        long t0 = System.nanoTime();
        try (WriteLoad load = newLoad("scale")) {
            load.start(CLIENTS);
            awaitAcknowledged(load, 50);
            setSpec(Map.of("replicas", 5));
            awaitMembership(5);
            long afterGrow = load.acknowledgedSoFar();
            System.out.println(
                    "scale 3 -> 5 done after " + seconds(t0) + " s, " + afterGrow + " writes acknowledged so far");
            setSpec(Map.of("replicas", 3));
            awaitMembership(3);
            await("pods 3 and 4 gone and their processes stopped")
                    .atMost(STEP_TIMEOUT)
                    .untilAsserted(() -> assertThat(harness.kubelet().podsWithProcesses())
                            .containsExactlyInAnyOrder(
                                    NS + "/" + NAME + "-0", NS + "/" + NAME + "-1", NS + "/" + NAME + "-2"));
            awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            WriteLoad.Result result = load.stop();
            List<String> lost = load.verify(leaderAddress());
            System.out.println("scenario 3 writes: " + result);
            assertThat(result.unexpected())
                    .as("client errors other than retried ones")
                    .isEmpty();
            assertThat(result.abandoned()).isZero();
            assertThat(lost).as("acknowledged writes lost").isEmpty();
            assertThat(result.acknowledged()).isGreaterThan(afterGrow);
            E2eDiagnostics.report(
                    "scenario 3 (scale 3 -> 5 -> 3 under " + CLIENTS + " writers;"
                            + " retried " + result.retriedByCode() + ", longest gap between acknowledgements "
                            + result.maxAckGapMs() + " ms)",
                    t0,
                    result.acknowledged(),
                    lost.size());
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
        try (WriteLoad load = newLoad("roll")) {
            load.start(CLIENTS);
            awaitAcknowledged(load, 50);
            setSpec(Map.of("image", "raftkv/raftkv-node:0.2.0"));
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
            awaitMembership(3);
            awaitAcknowledged(load, load.acknowledgedSoFar() + 50);
            WriteLoad.Result result = load.stop();
            List<String> lost = load.verify(leaderAddress());
            System.out.println("scenario 4 pod stops: " + stops);
            System.out.println("scenario 4 writes: " + result);
            assertThat(stops)
                    .as("one stop per pod, none while it led")
                    .hasSize(3)
                    .noneMatch(s -> s.contains(" LEADER ") || s.contains("unknown"));
            assertThat(stops.stream().map(s -> s.split(" ")[0]).collect(Collectors.toSet()))
                    .hasSize(3);
            assertThat(result.unexpected())
                    .as("client errors other than retried ones")
                    .isEmpty();
            assertThat(result.abandoned()).isZero();
            assertThat(lost).as("acknowledged writes lost").isEmpty();
            E2eDiagnostics.report(
                    "scenario 4 (image change -> rolling restart " + stops
                            + "; retried " + result.retriedByCode() + ", longest gap between acknowledgements "
                            + result.maxAckGapMs() + " ms)",
                    t0,
                    result.acknowledged(),
                    lost.size());
        } finally {
            harness.kubelet().onPreStop((ns, pod) -> {});
        }
    }

    private static WriteLoad newLoad(String run) {
        return new WriteLoad(
                harness.calls(),
                () -> harness.podAddresses(NS, NAME),
                harness.network()::toLoopback,
                run,
                harness.seed());
    }

    private static void awaitAcknowledged(WriteLoad load, long atLeast) {
        await(atLeast + " writes acknowledged").atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(load.unexpectedSoFar()).as("unexpected client errors").isEmpty();
            assertThat(load.acknowledgedSoFar()).isGreaterThanOrEqualTo(atLeast);
        });
    }

    /** Merges {@code fields} into the spec (a JSON merge patch, as {@code kubectl patch}). */
    private static void setSpec(Map<String, Object> fields) {
        harness.cluster(NS, NAME).edit(cr -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec =
                    (Map<String, Object>) cr.getAdditionalProperties().get("spec");
            spec.putAll(fields);
            return cr;
        });
    }

    /**
     * Waits until the leader's configuration is exactly pods {@code 0..voters-1}, all voters, no
     * learner, every pod ready, and the operator's status says so (Running, no operation).
     */
    private static void awaitMembership(int voters) {
        Set<Integer> expected = new TreeSet<>();
        for (int i = 0; i < voters; i++) {
            expected.add(i);
        }
        await("membership = pods " + expected + ", all voters")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    var s = harness.status(NS, NAME);
                    assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    assertThat(s.operation()).as("%s", s).isEmpty();
                    assertThat(s.readyReplicas()).isEqualTo(voters);
                    StatusResponse leader =
                            harness.nodeStatus(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, s.leader()));
                    assertThat(leader.getRole()).isEqualTo(Role.LEADER);
                    assertThat(leader.getMembersList()).allMatch(m -> m.getRole() == MemberRole.VOTER);
                    Set<Integer> ordinals = leader.getMembersList().stream()
                            .map(m -> OperatorE2eHarness.addressOrdinal(NAME, m.getPeerAddress()))
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertThat(ordinals)
                            .as("member ordinals of %s", leader.getMembersList())
                            .isEqualTo(expected);
                    assertThat(s.members()).hasSize(voters);
                });
    }

    private static String leaderAddress() {
        String leader = harness.status(NS, NAME).leader();
        return harness.kubelet().clientAddress(NS, NAME, OperatorE2eHarness.podOrdinal(NAME, leader));
    }

    private static String seconds(long t0) {
        return String.format("%.1f", (System.nanoTime() - t0) / 1e9);
    }
}
