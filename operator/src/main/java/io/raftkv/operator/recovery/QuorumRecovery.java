package io.raftkv.operator.recovery;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvMember;
import io.raftkv.operator.api.v1alpha1.SurvivorStatus;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.NodeStatusView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Quorum-loss report and the confirmed rebuild (docs/operations.md, "Lost quorum on Kubernetes").
 * Pure.
 *
 * <p><b>Report.</b> When no leader answers, every running pod is asked for its Status. A survivor
 * is a pod whose node still holds the history of a member of the last membership the leader
 * reported ({@code status.members}). Fewer survivors than a majority of that membership is a lost
 * quorum: the cluster cannot elect a leader however long it waits. The condition
 * {@value #QUORUM_LOST} then names each survivor with its term and last log index (the most
 * up-to-date one: highest term, then highest last index) and what the user can do.
 *
 * <p><b>Trigger, never automatic.</b> Rebuilding drops every write only the lost members had, so
 * the operator acts only on the annotation {@value #ANNOTATION} {@code = <pod>/<member id>}, and
 * only when that pod is a survivor with that id while the quorum is lost: naming both is the
 * confirmation. The StatefulSet's template then carries {@code RAFTKV_FORCE_NEW_CLUSTER=<id>}
 * (members with another id ignore it; the node does it once) and the pod is restarted; it
 * rebuilds itself as a one-member cluster, and the membership orchestration adds the other pods
 * back as new members. Once a leader answers, the operator removes the annotation.
 */
public final class QuorumRecovery {

    public static final String QUORUM_LOST = "QuorumLost";
    public static final String ANNOTATION = "raftkv.io/force-new-cluster";
    public static final String REASON_QUORUM_LOST = "QuorumLost";
    public static final String REASON_REBUILDING = "ForceNewCluster";
    public static final String REASON_QUORUM_OK = "QuorumPresent";

    private QuorumRecovery() {}

    /** A confirmed rebuild: restart {@code ordinal} with {@code --force-new-cluster=memberId}. */
    public record Rebuild(int ordinal, String pod, long memberId) {}

    /**
     * @param lost       whether the quorum is lost
     * @param survivors  survivors, most up-to-date first
     * @param message    the condition's message
     * @param rebuild    the confirmed rebuild, when the annotation names a survivor correctly
     */
    public record Assessment(boolean lost, List<SurvivorStatus> survivors, String message, Optional<Rebuild> rebuild) {}

    /**
     * @param probes     Status answers by pod ordinal (no leader among them)
     * @param annotation the value of {@value #ANNOTATION}, or null
     */
    public static Assessment assess(RaftKvCluster cluster, Map<Integer, NodeStatusView> probes, String annotation) {
        List<RaftKvMember> last =
                cluster.getStatus() != null && cluster.getStatus().getMembers() != null
                        ? cluster.getStatus().getMembers()
                        : List.of();
        Set<Long> voters = last.stream()
                .filter(m -> !"learner".equalsIgnoreCase(m.getRole()) && !"LEARNER".equals(m.getRole()))
                .map(m -> parse(m.getId()))
                .filter(id -> id > 0)
                .collect(Collectors.toSet());
        if (voters.isEmpty()) {
            return new Assessment(false, List.of(), "", Optional.empty());
        }
        List<SurvivorStatus> survivors = new ArrayList<>();
        for (var e : probes.entrySet()) {
            NodeStatusView s = e.getValue();
            if (voters.contains(s.id()) && !s.isEmpty()) {
                survivors.add(new SurvivorStatus(
                        ClusterObjects.podName(cluster, e.getKey()),
                        Long.toString(s.id()),
                        s.term(),
                        s.lastIndex(),
                        null));
            }
        }
        survivors.sort(Comparator.comparing(SurvivorStatus::getTerm)
                .thenComparing(SurvivorStatus::getLastIndex)
                .reversed());
        int quorum = voters.size() / 2 + 1;
        if (survivors.size() >= quorum) {
            return new Assessment(false, survivors, "", Optional.empty());
        }
        String name = cluster.getMetadata().getName();
        StringBuilder m = new StringBuilder();
        m.append("Quorum lost: ")
                .append(survivors.size())
                .append(" of ")
                .append(voters.size())
                .append(" voters answer with their data (")
                .append(quorum)
                .append(" needed); no leader can be elected until more of them come back.");
        if (survivors.isEmpty()) {
            m.append(" No pod holds a member's data: restore from a backup (spec.restore on a new RaftKvCluster).");
        } else {
            m.append(" Survivors, most up-to-date first: ")
                    .append(survivors.stream()
                            .map(s -> s.getPod() + " (member " + s.getMemberId() + ", term " + s.getTerm()
                                    + ", last index " + s.getLastIndex() + ")")
                            .collect(Collectors.joining(", ")))
                    .append(". If the lost members cannot come back, rebuild from one survivor (writes only the"
                            + " others had are lost): kubectl annotate raftkvcluster ")
                    .append(name)
                    .append(' ')
                    .append(ANNOTATION)
                    .append('=')
                    .append(survivors.get(0).getPod())
                    .append('/')
                    .append(survivors.get(0).getMemberId())
                    .append(" (docs/operations.md).");
        }
        Optional<Rebuild> rebuild = Optional.empty();
        if (annotation != null && !annotation.isBlank()) {
            Optional<SurvivorStatus> named = survivors.stream()
                    .filter(s -> annotation.trim().equals(s.getPod() + "/" + s.getMemberId()))
                    .findFirst();
            if (named.isPresent()) {
                rebuild = Optional.of(new Rebuild(
                        ClusterObjects.ordinalOfPodName(cluster, named.get().getPod()),
                        named.get().getPod(),
                        Long.parseLong(named.get().getMemberId())));
                m.append(" Rebuilding from ")
                        .append(annotation.trim())
                        .append(" as confirmed by ")
                        .append(ANNOTATION);
            } else {
                m.append(" The annotation ")
                        .append(ANNOTATION)
                        .append('=')
                        .append(annotation.trim())
                        .append(" names no survivor (<pod>/<member id> from the list above): ignored.");
            }
        }
        return new Assessment(true, survivors, m.toString(), rebuild);
    }

    /**
     * Writes the assessment into the status: {@code status.survivors}, the {@value #QUORUM_LOST}
     * condition (present once the quorum was lost, False again when a leader answers), one event per
     * change of the condition.
     */
    public static void report(
            Optional<Assessment> assessment,
            RaftKvCluster cluster,
            io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus previous,
            io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus next,
            io.raftkv.operator.events.EventRecorder recorder,
            java.time.Instant now) {
        boolean lost = assessment.map(Assessment::lost).orElse(false);
        var before = io.raftkv.operator.status.ClusterStatusCalculator.find(previous, QUORUM_LOST);
        if (!lost && before.isEmpty()) {
            return;
        }
        String reason = lost
                ? assessment.get().rebuild().isPresent() ? REASON_REBUILDING : REASON_QUORUM_LOST
                : REASON_QUORUM_OK;
        String message = lost ? assessment.get().message() : "A leader answers: the cluster has a quorum.";
        next.setSurvivors(lost ? assessment.get().survivors() : null);
        io.raftkv.operator.status.ClusterStatusCalculator.withCondition(
                next, previous, QUORUM_LOST, lost, reason, message, now);
        boolean changed = before.isEmpty()
                || !reason.equals(before.get().getReason())
                || !("True".equals(before.get().getStatus()) == lost);
        if (changed) {
            recorder.record(cluster, lost ? "Warning" : "Normal", reason, message);
        }
    }

    private static long parse(String id) {
        try {
            return id == null ? 0 : Long.parseUnsignedLong(id);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
