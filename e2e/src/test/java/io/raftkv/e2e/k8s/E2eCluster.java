package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.grpc.StatusRuntimeException;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.e2e.k8s.OperatorE2eHarness.ClusterStatusView;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One RaftKvCluster on an {@link OperatorE2eHarness}, with the set-up and the checks the operator
 * e2e tests share: create it and wait until it is Available, write under a {@link WriteLoad}, wait
 * for a membership, patch its spec or annotations, stop a load and check that no acknowledged write
 * was lost. Every wait fails with the cluster's status in its message.
 */
final class E2eCluster {

    /** How long one step (a membership change, a repair, a rotation phase) may take. */
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
    /** How long a new cluster may take to become Available. */
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(3);

    private final OperatorE2eHarness harness;
    private final String namespace;
    private final String name;

    E2eCluster(OperatorE2eHarness harness, String namespace, String name) {
        this.harness = harness;
        this.namespace = namespace;
        this.name = name;
    }

    /**
     * YAML of a three-member RaftKvCluster {@code name} with {@code specLines} (YAML lines indented by
     * two spaces, e.g. {@code "  image: raftkv/raftkv-node:0.1.0\n"}) added to its spec.
     */
    static String yaml(String name, String namespace, String specLines) {
        return """
        apiVersion: raftkv.io/v1alpha1
        kind: RaftKvCluster
        metadata:
          name: %s
          namespace: %s
        spec:
          replicas: 3
        %s""".formatted(name, namespace, specLines);
    }

    OperatorE2eHarness harness() {
        return harness;
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return name;
    }

    /** The name of pod {@code ordinal}. */
    String pod(int ordinal) {
        return name + "-" + ordinal;
    }

    /** Creates the RaftKvCluster: three members, {@code specLines} added to its spec. */
    E2eCluster create(String specLines) {
        harness.apply(yaml(name, namespace, specLines));
        return this;
    }

    ClusterStatusView status() {
        return harness.status(namespace, name);
    }

    /**
     * Waits until the cluster is Available with three ready members and a leader, and {@code also}
     * holds for its status (e.g. another condition).
     */
    ClusterStatusView awaitAvailable(Consumer<ClusterStatusView> also) {
        await(namespace + "/" + name + " Available")
                .atMost(CREATE_TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    ClusterStatusView s = status();
                    assertThat(s.condition("Available")).as("%s", s).contains("True");
                    assertThat(s.readyReplicas()).as("%s", s).isEqualTo(3);
                    assertThat(s.leader()).as("%s", s).isNotEmpty();
                    also.accept(s);
                });
        return status();
    }

    /** Waits until the operator reports {@code voters} members, all ready, phase Running. */
    void awaitRunning(int voters) {
        await(name + ": " + voters + " members, Running")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    ClusterStatusView s = status();
                    assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    assertThat(s.readyReplicas()).as("%s", s).isEqualTo(voters);
                    assertThat(s.members()).as("%s", s).hasSize(voters);
                });
    }

    /**
     * Waits until the leader's configuration is exactly pods {@code 0..voters-1}, all voters, no
     * learner, every pod ready, and the operator's status says so (Running, no operation).
     */
    void awaitMembership(int voters) {
        Set<Integer> expected = new TreeSet<>();
        for (int i = 0; i < voters; i++) {
            expected.add(i);
        }
        await(name + ": membership = pods " + expected + ", all voters")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class) // a node restarting: not yet
                .untilAsserted(() -> {
                    ClusterStatusView s = status();
                    assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    assertThat(s.operation()).as("%s", s).isEmpty();
                    assertThat(s.readyReplicas()).as("%s", s).isEqualTo(voters);
                    StatusResponse leader = leaderStatus();
                    assertThat(leader.getRole()).isEqualTo(Role.LEADER);
                    assertThat(leader.getMembersList()).allMatch(m -> m.getRole() == MemberRole.VOTER);
                    Set<Integer> ordinals = leader.getMembersList().stream()
                            .map(m -> OperatorE2eHarness.addressOrdinal(name, m.getPeerAddress()))
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertThat(ordinals)
                            .as("member ordinals of %s", leader.getMembersList())
                            .isEqualTo(expected);
                    assertThat(s.members()).hasSize(voters);
                });
    }

    /**
     * Waits until pod {@code ordinal} answers as a member other than {@code oldId}, the leader's
     * configuration holds three voters and not {@code oldId}, and the operator reports Running with
     * no operation: a member replaced by a fresh one.
     */
    void awaitReplaced(int ordinal, long oldId) {
        await("member " + oldId + " of " + pod(ordinal) + " replaced by a fresh member, 3 voters, Running")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class) // a node restarting: not yet
                .untilAsserted(() -> {
                    ClusterStatusView s = status();
                    assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    assertThat(s.operation()).as("%s", s).isEmpty();
                    assertThat(s.readyReplicas()).as("%s", s).isEqualTo(3);
                    assertThat(nodeStatus(ordinal).getId()).isNotEqualTo(oldId);
                    assertThat(leaderStatus().getMembersList())
                            .hasSize(3)
                            .allSatisfy(m -> assertThat(m.getRole()).isEqualTo(MemberRole.VOTER))
                            .noneSatisfy(m -> assertThat(m.getId()).isEqualTo(oldId));
                });
    }

    /** The ordinal of a follower of the leader the operator's status names. */
    int followerOrdinal() {
        return leaderOrdinal() == 2 ? 1 : 2;
    }

    /** The ordinal of the pod the operator's status names as leader (fails when it names none). */
    int leaderOrdinal() {
        ClusterStatusView s = status();
        int ordinal = OperatorE2eHarness.podOrdinal(name, s.leader());
        assertThat(ordinal).as("leader in %s", s).isNotNegative();
        return ordinal;
    }

    /** The loopback client address of the leader the operator's status names. */
    String leaderAddress() {
        return clientAddress(leaderOrdinal());
    }

    /** The loopback client address of pod {@code ordinal}. */
    String clientAddress(int ordinal) {
        return harness.kubelet().clientAddress(namespace, name, ordinal);
    }

    /** The Raft Status of pod {@code ordinal}'s node. */
    StatusResponse nodeStatus(int ordinal) {
        return harness.nodeStatus(namespace, name, ordinal);
    }

    /** The Raft Status of the leader the operator's status names. */
    StatusResponse leaderStatus() {
        return nodeStatus(leaderOrdinal());
    }

    /** Merges {@code fields} into the spec (as {@code kubectl patch --type merge} on {@code .spec}). */
    void setSpec(Map<String, Object> fields) {
        harness.cluster(namespace, name).edit(cr -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> spec =
                    (Map<String, Object>) cr.getAdditionalProperties().get("spec");
            spec.putAll(fields);
            return cr;
        });
    }

    /** Sets an annotation (as {@code kubectl annotate --overwrite}). */
    void annotate(String key, String value) {
        harness.cluster(namespace, name).edit(cr -> {
            Map<String, String> annotations = cr.getMetadata().getAnnotations() == null
                    ? new HashMap<>()
                    : new HashMap<>(cr.getMetadata().getAnnotations());
            annotations.put(key, value);
            cr.getMetadata().setAnnotations(annotations);
            return cr;
        });
    }

    /** The annotations of the RaftKvCluster as the API server holds them now. */
    Map<String, String> annotations() {
        var cr = harness.cluster(namespace, name).get();
        return cr == null || cr.getMetadata().getAnnotations() == null
                ? Map.of()
                : cr.getMetadata().getAnnotations();
    }

    /** Events of this namespace, oldest first. */
    List<Event> events() {
        return harness.client().v1().events().inNamespace(namespace).list().getItems();
    }

    /** The reasons of this namespace's events. */
    List<String> eventReasons() {
        return events().stream().map(Event::getReason).toList();
    }

    /** A write load on this cluster's pods (not started), seeded with the run's seed. */
    WriteLoad newLoad(String run) {
        return new WriteLoad(
                harness.calls(),
                () -> harness.podAddresses(namespace, name),
                harness.network()::toLoopback,
                run,
                harness.seed());
    }

    /** Waits until {@code load} has {@code atLeast} acknowledged writes and no unexpected error. */
    static void awaitAcknowledged(WriteLoad load, long atLeast) {
        await(atLeast + " writes acknowledged").atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(load.unexpectedSoFar()).as("unexpected client errors").isEmpty();
            assertThat(load.acknowledgedSoFar()).isGreaterThanOrEqualTo(atLeast);
        });
    }

    /** What a stopped load saw, and the acknowledged writes that could not be read back. */
    record Checked(WriteLoad.Result result, List<String> lost) {}

    /**
     * Stops {@code load}, reads every acknowledged write back through the leader and asserts that
     * no write failed beyond retries, none was abandoned and none was lost.
     */
    Checked stopAndVerify(WriteLoad load) {
        WriteLoad.Result result = load.stop();
        List<String> lost = load.verify(leaderAddress());
        assertThat(result.unexpected())
                .as("client errors other than retried ones")
                .isEmpty();
        assertThat(result.abandoned()).as("writes abandoned").isZero();
        assertThat(lost).as("acknowledged writes lost").isEmpty();
        return new Checked(result, lost);
    }

    /** One {@code E2E-SCENARIO} line for a checked load (see {@link E2eDiagnostics#report}). */
    static void report(String scenario, long startNanos, Checked checked) {
        E2eDiagnostics.report(
                scenario + " (retried " + checked.result().retriedByCode() + ", longest gap between acknowledgements "
                        + checked.result().maxAckGapMs() + " ms)",
                startNanos,
                checked.result().acknowledged(),
                checked.lost().size());
    }
}
