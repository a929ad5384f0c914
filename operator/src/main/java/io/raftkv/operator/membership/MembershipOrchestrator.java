package io.raftkv.operator.membership;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.events.EventRecorder;
import io.raftkv.operator.membership.MembershipStep.AddLearner;
import io.raftkv.operator.membership.MembershipStep.DeletePod;
import io.raftkv.operator.membership.MembershipStep.DeleteVolume;
import io.raftkv.operator.membership.MembershipStep.DisarmCorrupt;
import io.raftkv.operator.membership.MembershipStep.Promote;
import io.raftkv.operator.membership.MembershipStep.Remove;
import io.raftkv.operator.membership.MembershipStep.RemoveForRepair;
import io.raftkv.operator.membership.MembershipStep.ScaleStatefulSet;
import io.raftkv.operator.membership.MembershipStep.TransferLeadership;
import io.raftkv.operator.membership.ObservedCluster.LeaderView;
import io.raftkv.operator.membership.ObservedCluster.Member;
import io.raftkv.operator.membership.ObservedCluster.PodView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one membership step per reconciliation, in two halves around the dependents' workflow:
 * <ol>
 *   <li>{@link #prepare} observes (pods from the informer cache, the leader's Status, the Status
 *       of pods waiting to join) and asks the {@link MembershipPlanner} for the next step. The
 *       StatefulSet replica count and the PodDisruptionBudget's voter count that the workflow
 *       should apply come out of it;</li>
 *   <li>{@link #execute} performs a node step (AddLearner, PromoteMember, RemoveMember,
 *       TransferLeadership) or deletes a pod for a restart, records an Event, and returns what
 *       the status should say.</li>
 * </ol>
 * Node calls are bounded: at most {@value #MAX_DISCOVERY_CALLS} Status calls to find the leader,
 * {@value #MAX_PROBES} to probe pods waiting to join, and one change — each with the deadline
 * of {@link MembershipSettings}. Nothing waits for a condition: the next reconciliation (on the
 * next event, or after {@link MembershipSettings#operationReschedule()}) looks again.
 */
public final class MembershipOrchestrator {

    static final int MAX_DISCOVERY_CALLS = 3;
    static final int MAX_PROBES = 2;
    static final String REVISION_LABEL = "controller-revision-hash";

    private static final Logger LOG = LoggerFactory.getLogger(MembershipOrchestrator.class);

    private final NodeAdmin admin;
    private final NodeEndpoints endpoints;
    private final MembershipPlanner planner;

    public MembershipOrchestrator(NodeAdmin admin, NodeEndpoints endpoints, MembershipSettings settings) {
        this.admin = admin;
        this.endpoints = endpoints;
        this.planner = new MembershipPlanner(settings);
    }

    /** Tells whether the PVC {@code name} exists in {@code namespace}. */
    @FunctionalInterface
    public interface ClaimLookup {
        boolean exists(String namespace, String name);

        /** When the PVC {@code name} was created; empty when it does not exist (or cannot be told). */
        default Optional<Instant> createdAt(String namespace, String name) {
            return Optional.empty();
        }
    }

    /**
     * The observation, the plan, and what the workflow should apply.
     *
     * @param statefulSetReplicas the replicas the StatefulSet dependent should set
     * @param voters the voter count the PodDisruptionBudget should protect
     * @param leaderTarget where to send membership changes, when a leader was found
     * @param recordedLeaderGone true when {@code status.leader} names a pod that is positively
     *     not leading and knows no leader (its pod is gone or not running, or it answered Status
     *     saying so) while no leader answered at all: the status should stop showing it
     */
    public record Orchestration(
            MembershipPlan plan,
            int statefulSetReplicas,
            int voters,
            Optional<String> leaderTarget,
            boolean recordedLeaderGone) {

        public Orchestration(MembershipPlan plan, int statefulSetReplicas, int voters, Optional<String> leaderTarget) {
            this(plan, statefulSetReplicas, voters, leaderTarget, false);
        }
    }

    /** First half: observe and plan. {@code statefulSet} empty means the cluster is being created. */
    public Orchestration prepare(
            RaftKvCluster cluster,
            Optional<StatefulSet> statefulSet,
            Collection<Pod> pods,
            ClaimLookup claims,
            Instant now) {
        int desired = cluster.getSpec().getReplicas();
        if (statefulSet.isEmpty()) {
            return new Orchestration(
                    MembershipPlan.idle(),
                    desired,
                    desired,
                    Optional.empty(),
                    recordedLeader(cluster).isPresent());
        }
        StatefulSet sts = statefulSet.get();
        int current =
                sts.getSpec().getReplicas() == null ? desired : sts.getSpec().getReplicas();
        Map<Integer, PodView> podViews = podViews(cluster, pods);
        Optional<ClusterOperation> previous =
                Optional.ofNullable(cluster.getStatus()).map(s -> s.getOperation());
        Discovery discovery = findLeader(cluster, podViews);
        Optional<Found> found = discovery.found();
        // The pod of a repair is asked even while ready: its node tells whether it still holds the old data.
        int repairing = previous.filter(op -> op.getKind() == ClusterOperation.Kind.RepairMember)
                .map(op -> ClusterObjects.ordinalOfPodName(cluster, op.getPod()))
                .orElse(-1);
        Map<Integer, NodeStatusView> probes =
                found.isPresent() ? probeJoiningPods(cluster, podViews, current, repairing) : Map.of();
        Set<Integer> retained = new HashSet<>();
        if (current < desired && claimExists(claims, cluster, current)) {
            retained.add(current);
        }
        String updateRevision = sts.getStatus() != null ? sts.getStatus().getUpdateRevision() : "";
        ObservedCluster observed = new ObservedCluster(
                cluster.getMetadata().getName() + "-",
                desired,
                current,
                updateRevision,
                podViews,
                found.map(Found::view),
                probes,
                retained,
                previous,
                now,
                cluster.getSpec().getMemberRepair() != RaftKvClusterSpec.MemberRepair.Manual,
                previous.filter(op -> op.getKind() == ClusterOperation.Kind.RepairMember)
                                .isPresent()
                        ? claimsCreated(claims, cluster, current)
                        : Map.of());
        MembershipPlan plan = planner.plan(observed);
        int replicas = plan.step() instanceof ScaleStatefulSet s ? s.to() : current;
        int voters =
                found.map(f -> (int) f.view().voterCount()).filter(v -> v > 0).orElse(Math.min(desired, current));
        // Total outage only: a leader's own pod is ready, so while any pod is ready (by the
        // informer or the StatefulSet's count) status.leader may be fresh and stays.
        boolean nonePodReady = podViews.values().stream().noneMatch(p -> p.ready() && !p.terminating())
                && (sts.getStatus() == null
                        || sts.getStatus().getReadyReplicas() == null
                        || sts.getStatus().getReadyReplicas() == 0);
        return new Orchestration(
                plan,
                replicas,
                voters,
                found.map(Found::target),
                found.isEmpty() && discovery.recordedLeaderSilent() && nonePodReady);
    }

    private static Optional<String> recordedLeader(RaftKvCluster cluster) {
        return Optional.ofNullable(cluster.getStatus()).map(s -> s.getLeader()).filter(name -> !name.isEmpty());
    }

    /**
     * Second half: performs the planned node or pod step and reports the operation for the status.
     * A failed node call is not an error of the reconciliation: it is recorded in the operation's
     * message and retried by a later reconciliation.
     */
    public MembershipProgress execute(
            Orchestration orchestration, RaftKvCluster cluster, KubernetesClient client, EventRecorder recorder) {
        MembershipPlan plan = orchestration.plan();
        if (plan.operation().isEmpty()) {
            return new MembershipProgress(Optional.empty(), plan.problem());
        }
        ClusterOperation operation = plan.operation().get();
        Optional<String> previousMessage = Optional.ofNullable(cluster.getStatus())
                .map(s -> s.getOperation())
                .map(ClusterOperation::getMessage);
        try {
            Optional<String> done = perform(plan.step(), orchestration, cluster, client);
            done.ifPresent(text -> {
                recorder.record(
                        cluster,
                        plan.step() instanceof RemoveForRepair ? "Warning" : "Normal",
                        eventReason(plan.step(), operation.getKind()),
                        text);
                operation.setMessage(text);
            });
        } catch (NodeAdminException e) {
            String text = plan.step().name() + " did not complete: " + e.reason() + " (" + e.getMessage() + ")";
            LOG.info(
                    "{}/{}: {}",
                    cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(),
                    text);
            operation.setMessage(text);
            if (isFailure(e) && !previousMessage.equals(Optional.of(text))) {
                recorder.record(cluster, "Warning", "MembershipStepFailed", text);
            }
        } catch (EvictionRefused e) {
            String text = plan.step().name() + " waits: " + e.getMessage();
            LOG.info(
                    "{}/{}: {}",
                    cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(),
                    text);
            operation.setMessage(text);
        } catch (KubernetesClientException e) {
            String text = plan.step().name() + " failed: " + e.getMessage();
            LOG.warn(
                    "{}/{}: {}",
                    cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(),
                    text);
            operation.setMessage(text);
        }
        return new MembershipProgress(Optional.of(operation), plan.problem());
    }

    /** Performs the step; returns the event text when something was done. */
    private Optional<String> perform(
            MembershipStep step, Orchestration orchestration, RaftKvCluster cluster, KubernetesClient client) {
        String leader = orchestration.leaderTarget().orElse(null);
        if (step instanceof ScaleStatefulSet s) {
            return Optional.of("Scaled the StatefulSet from " + s.from() + " to " + s.to() + " pods.");
        } else if (step instanceof AddLearner a) {
            admin.addLearner(
                    leader,
                    a.memberId(),
                    ClusterObjects.peerAddress(cluster, a.ordinal()),
                    ClusterObjects.clientAddress(cluster, a.ordinal()));
            return Optional.of("Added member " + a.memberId() + " of pod "
                    + ClusterObjects.podName(cluster, a.ordinal()) + " as a learner.");
        } else if (step instanceof Promote p) {
            admin.promote(leader, p.memberId());
            return Optional.of("Promoted member " + p.memberId() + " of pod "
                    + ClusterObjects.podName(cluster, p.ordinal()) + " to voter.");
        } else if (step instanceof RemoveForRepair r) {
            admin.remove(leader, r.memberId());
            return Optional.of(
                    "Removed member " + r.memberId() + " of pod " + ClusterObjects.podName(cluster, r.ordinal())
                            + " to repair it: " + r.why() + ". Its volume is deleted next; the pod comes back empty"
                            + " and joins as a fresh member.");
        } else if (step instanceof DeleteVolume v) {
            String pod = ClusterObjects.podName(cluster, v.ordinal());
            String claim = ClusterObjects.dataClaimName(cluster, v.ordinal());
            String namespace = cluster.getMetadata().getNamespace();
            client.persistentVolumeClaims()
                    .inNamespace(namespace)
                    .withName(claim)
                    .delete();
            client.pods().inNamespace(namespace).withName(pod).delete();
            return Optional.of("Deleted the PersistentVolumeClaim " + claim + " and the pod " + pod + " of the removed"
                    + " member: the StatefulSet recreates both, and the pod starts empty under a fresh member id.");
        } else if (step instanceof DisarmCorrupt d) {
            admin.disarmCorrupt(leader, d.memberId());
            return Optional.of("Disarmed the CORRUPT alarm of member " + d.memberId()
                    + ", which is no longer a member: the cluster takes writes again.");
        } else if (step instanceof Remove r) {
            admin.remove(leader, r.memberId());
            return Optional.of("Removed member " + r.memberId()
                    + (r.ordinal() >= 0 ? " of pod " + ClusterObjects.podName(cluster, r.ordinal()) : "")
                    + " from the Raft configuration.");
        } else if (step instanceof TransferLeadership t) {
            long now = admin.transferLeadership(leader, t.toId());
            return Optional.of("Transferred leadership from member " + t.fromId() + " to member "
                    + t.toId() + " (pod " + ClusterObjects.podName(cluster, t.toOrdinal())
                    + "); the leader is now " + now + ".");
        } else if (step instanceof DeletePod d) {
            return restart(cluster, client, ClusterObjects.podName(cluster, d.ordinal()), orchestration.voters());
        }
        return Optional.empty(); // Idle and Wait do nothing
    }

    /**
     * Restarts a pod through the Eviction API, so that the PodDisruptionBudget arbitrates between
     * this restart and anything else taking pods away (a {@code kubectl drain}, a cluster
     * upgrade): a 429 means another disruption holds the budget, and the restart waits for a
     * later reconciliation instead of taking a second voter. A single-voter cluster's budget is
     * zero by design, so its only pod is deleted: the user asked for the new template and there is
     * no quorum to protect.
     */
    private static Optional<String> restart(RaftKvCluster cluster, KubernetesClient client, String pod, int voters) {
        if (voters <= 1) {
            client.pods()
                    .inNamespace(cluster.getMetadata().getNamespace())
                    .withName(pod)
                    .delete();
            return Optional.of("Deleted pod " + pod + " to restart it on the current template (a"
                    + " single-member cluster has no disruption budget to spare).");
        }
        // Fabric8 retries a 429 with backoff inside the call; a refusal must instead end this
        // reconciliation at once (the next one asks again), so the eviction goes without retries.
        KubernetesClient once = client.newClient(
                        new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                                .withRequestRetryBackoffLimit(0)
                                .build())
                .adapt(KubernetesClient.class);
        if (!once.pods()
                .inNamespace(cluster.getMetadata().getNamespace())
                .withName(pod)
                .evict()) {
            throw new EvictionRefused("the PodDisruptionBudget refuses to evict " + pod
                    + " now (HTTP 429: another disruption, such as a node drain, is using the budget);"
                    + " the restart waits until the budget allows it");
        }
        return Optional.of("Evicted pod " + pod + " to restart it on the current template.");
    }

    /** An eviction the PodDisruptionBudget refused: not an error, a reason to wait. */
    static final class EvictionRefused extends RuntimeException {
        EvictionRefused(String message) {
            super(message, null, false, false);
        }
    }

    private static String eventReason(MembershipStep step, ClusterOperation.Kind kind) {
        if (step instanceof RemoveForRepair) {
            return "MemberRepairStarted";
        }
        if (kind == ClusterOperation.Kind.RepairMember && step instanceof Promote) {
            return "MemberRepaired";
        }
        return switch (step.name()) {
            case "ScaleStatefulSet" -> "Scaled";
            case "AddLearner" -> "LearnerAdded";
            case "PromoteMember" -> "MemberPromoted";
            case "RemoveMember" -> "MemberRemoved";
            case "TransferLeadership" -> "LeadershipTransferred";
            case "DeletePod" -> "PodRestarted";
            case "DeleteVolume" -> "RepairVolumeDeleted";
            case "DisarmCorrupt" -> "CorruptAlarmDisarmed";
            default -> step.name();
        };
    }

    /** Refusals that only mean "not yet" are not reported as failures. */
    private static boolean isFailure(NodeAdminException e) {
        return switch (e.reason()) {
            case LEARNER_NOT_CAUGHT_UP, CHANGE_IN_PROGRESS, NOT_LEADER -> false;
            default -> true;
        };
    }

    /** The leader and the target it was reached at. */
    private record Found(LeaderView view, String target) {}

    /** What leader discovery learned: the leader, or whether the recorded one is positively silent. */
    private record Discovery(Optional<Found> found, boolean recordedLeaderSilent) {}

    /**
     * Asks ready pods (the last reported leader first) for the leader and then the leader itself
     * for its view. At most {@value #MAX_DISCOVERY_CALLS} calls; empty when no leader answers.
     */
    private Discovery findLeader(RaftKvCluster cluster, Map<Integer, PodView> pods) {
        LinkedHashSet<Integer> candidates = new LinkedHashSet<>();
        Optional<Integer> recorded =
                recordedLeader(cluster).map(name -> ClusterObjects.ordinalOfPodName(cluster, name));
        recorded.filter(k -> pods.containsKey(k) && pods.get(k).running()).ifPresent(candidates::add);
        // The recorded leader's pod is gone, or not running: it leads nothing.
        boolean recordedSilent = recorded.isPresent() && candidates.isEmpty();
        pods.values().stream()
                .filter(p -> p.ready() && !p.terminating())
                .map(PodView::ordinal)
                .sorted()
                .forEach(candidates::add);
        int calls = 0;
        for (int k : candidates) {
            if (calls >= MAX_DISCOVERY_CALLS) {
                break;
            }
            String target = endpoints.clientTarget(cluster, k);
            NodeStatusView status;
            try {
                calls++;
                status = admin.status(target);
            } catch (NodeAdminException e) {
                LOG.debug("status of {} failed: {}", target, e.getMessage());
                continue;
            }
            if (status.leader()) {
                return new Discovery(Optional.of(new Found(leaderView(cluster, status, k), target)), false);
            }
            if (recorded.isPresent() && recorded.get() == k && status.leaderId() == 0) {
                recordedSilent = true; // it answered: not leading, and knows no leader
            }
            if (status.leaderId() == 0 || calls >= MAX_DISCOVERY_CALLS) {
                continue;
            }
            int leaderOrdinal = status.members().stream()
                    .filter(m -> m.id() == status.leaderId())
                    .findFirst()
                    .map(m -> ClusterObjects.ordinalOfAddress(cluster, m.peerAddress()))
                    .orElse(-1);
            String leaderTarget =
                    leaderOrdinal >= 0 ? endpoints.clientTarget(cluster, leaderOrdinal) : status.leaderAddress();
            if (leaderTarget.isEmpty()) {
                continue;
            }
            try {
                calls++;
                NodeStatusView leader = admin.status(leaderTarget);
                if (leader.leader()) {
                    return new Discovery(
                            Optional.of(new Found(leaderView(cluster, leader, leaderOrdinal), leaderTarget)), false);
                }
            } catch (NodeAdminException e) {
                LOG.debug("status of leader {} failed: {}", leaderTarget, e.getMessage());
            }
        }
        return new Discovery(Optional.empty(), recordedSilent);
    }

    private static LeaderView leaderView(RaftKvCluster cluster, NodeStatusView status, int ordinalHint) {
        List<Member> members = new ArrayList<>();
        int leaderOrdinal = ordinalHint;
        for (MemberView m : status.members()) {
            int ordinal = ClusterObjects.ordinalOfAddress(cluster, m.peerAddress());
            members.add(new Member(m.id(), m.voter(), ordinal));
            if (m.id() == status.id() && ordinal >= 0) {
                leaderOrdinal = ordinal;
            }
        }
        return new LeaderView(
                status.id(),
                leaderOrdinal,
                status.term(),
                status.commitIndex(),
                members,
                status.followers(),
                status.corrupt());
    }

    /**
     * Status of pods that run but are not ready (a pod waiting to be added, or one that came back
     * on a fresh volume), lowest ordinal first, at most {@value #MAX_PROBES}.
     */
    private Map<Integer, NodeStatusView> probeJoiningPods(
            RaftKvCluster cluster, Map<Integer, PodView> pods, int statefulSetReplicas, int repairing) {
        Map<Integer, NodeStatusView> probes = new HashMap<>();
        List<PodView> joining = pods.values().stream()
                .filter(p -> p.running() && (!p.ready() || p.ordinal() == repairing) && !p.terminating())
                .filter(p -> p.ordinal() < statefulSetReplicas)
                .sorted((a, b) -> Integer.compare(a.ordinal(), b.ordinal()))
                .limit(MAX_PROBES)
                .toList();
        for (PodView p : joining) {
            try {
                probes.put(p.ordinal(), admin.status(endpoints.clientTarget(cluster, p.ordinal())));
            } catch (NodeAdminException e) {
                LOG.debug("pod {} does not answer Status yet: {}", p.ordinal(), e.getMessage());
            }
        }
        return probes;
    }

    /**
     * Status of every running pod that answers (at most one call per pod, ordinals below 9): what
     * the quorum-loss report shows when no leader answered.
     */
    public Map<Integer, NodeStatusView> survey(RaftKvCluster cluster, Collection<Pod> pods) {
        Map<Integer, NodeStatusView> answers = new java.util.TreeMap<>();
        for (PodView p : podViews(cluster, pods).values()) {
            if (!p.running() || p.terminating() || p.ordinal() >= 9) {
                continue;
            }
            try {
                answers.put(p.ordinal(), admin.status(endpoints.clientTarget(cluster, p.ordinal())));
            } catch (NodeAdminException e) {
                LOG.debug("survey: pod {} did not answer: {}", p.ordinal(), e.getMessage());
            }
        }
        return answers;
    }

    private static Map<Integer, PodView> podViews(RaftKvCluster cluster, Collection<Pod> pods) {
        Map<Integer, PodView> views = new HashMap<>();
        for (Pod pod : pods) {
            int ordinal =
                    ClusterObjects.ordinalOfPodName(cluster, pod.getMetadata().getName());
            if (ordinal < 0) {
                continue;
            }
            boolean running =
                    pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
            boolean ready = running
                    && pod.getStatus().getConditions() != null
                    && pod.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
            String revision = pod.getMetadata().getLabels() == null
                    ? ""
                    : pod.getMetadata().getLabels().getOrDefault(REVISION_LABEL, "");
            views.put(
                    ordinal,
                    new PodView(ordinal, running, ready, terminating, revision, !ready && storageRefused(pod)));
        }
        return views;
    }

    /** The node's exit code for refused storage (NodeMain: 3 = the start-up check refused). */
    static final int EXIT_STORAGE_REFUSED = 3;

    /** Whether a container of {@code pod} exited with code 3 in its current or last run. */
    static boolean storageRefused(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return false;
        }
        return pod.getStatus().getContainerStatuses().stream()
                .anyMatch(cs -> exitedRefusing(cs.getState()) || exitedRefusing(cs.getLastState()));
    }

    private static boolean exitedRefusing(io.fabric8.kubernetes.api.model.ContainerState state) {
        return state != null
                && state.getTerminated() != null
                && Integer.valueOf(EXIT_STORAGE_REFUSED)
                        .equals(state.getTerminated().getExitCode());
    }

    /** Creation time of the data PVC of each pod below {@code replicas} (at most 9 lookups). */
    private static Map<Integer, Instant> claimsCreated(ClaimLookup claims, RaftKvCluster cluster, int replicas) {
        Map<Integer, Instant> created = new HashMap<>();
        for (int k = 0; k < Math.min(replicas, 9); k++) {
            int ordinal = k;
            try {
                claims.createdAt(cluster.getMetadata().getNamespace(), ClusterObjects.dataClaimName(cluster, k))
                        .ifPresent(t -> created.put(ordinal, t));
            } catch (KubernetesClientException e) {
                LOG.warn("cannot read PVC {}: {}", ClusterObjects.dataClaimName(cluster, k), e.getMessage());
            }
        }
        return created;
    }

    private static boolean claimExists(ClaimLookup claims, RaftKvCluster cluster, int ordinal) {
        try {
            return claims.exists(cluster.getMetadata().getNamespace(), ClusterObjects.dataClaimName(cluster, ordinal));
        } catch (KubernetesClientException e) {
            // The node-side check (a pod with data that is not a member) still guards the volume.
            LOG.warn("cannot read PVC {}: {}", ClusterObjects.dataClaimName(cluster, ordinal), e.getMessage());
            return false;
        }
    }
}
