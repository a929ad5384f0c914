package io.raftkv.node.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.net.HostPort;
import java.util.ArrayList;
import java.util.List;

/**
 * What the Raft leader writes into its RaftKvCluster's status — exactly the four fields the node
 * owns, in the CRD's shape ({@code RaftKvClusterStatus} / {@code RaftKvMember} in the operator):
 * {@code leader} (pod name), {@code term}, {@code commitIndex} and {@code members}
 * ({@code id} as a string because 63-bit ids do not survive JSON numbers in every client,
 * {@code pod}, {@code address}, {@code role} Voter or Learner).
 *
 * @param leader      this leader's pod name
 * @param term        the term in which it leads ({@code > 0})
 * @param commitIndex its commit index
 * @param members     the configuration in force, sorted by id
 * @param alarms      the cluster-wide alarms active as of the leader's applied index, each
 *                    {@code TYPE:memberId} (e.g. {@code NOSPACE:2}), sorted; the operator turns a
 *                    non-empty list into its {@code Alarm} condition and an event
 */
public record ClusterStatusReport(
        String leader, long term, long commitIndex, List<MemberReport> members, List<String> alarms) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ClusterStatusReport {
        members = List.copyOf(members);
        alarms = List.copyOf(alarms);
        if (leader == null || leader.isEmpty()) {
            throw new IllegalArgumentException("leader pod name must not be empty");
        }
        if (term <= 0) {
            throw new IllegalArgumentException("a leader's term is positive, got " + term);
        }
    }

    /**
     * One member as the operator's CRD describes it.
     *
     * @param id      member id (decimal)
     * @param pod     pod name, "" when the address is not a pod of this cluster (then omitted)
     * @param address peer address {@code host:port}, "" when unknown (then omitted)
     * @param role    {@code Voter} or {@code Learner}
     */
    public record MemberReport(String id, String pod, String address, String role) {}

    /**
     * The report of {@code status}, which must be a leader's view.
     *
     * @throws IllegalArgumentException when {@code status} is not a leader's
     */
    public ClusterStatusReport(String leader, long term, long commitIndex, List<MemberReport> members) {
        this(leader, term, commitIndex, members, List.of());
    }

    /** As {@link #of(NodeStatus, PodIdentity, List)} without alarms. */
    public static ClusterStatusReport of(NodeStatus status, PodIdentity pod) {
        return of(status, pod, List.of());
    }

    /**
     * The report of {@code status}, which must be a leader's view, with its active {@code alarms}.
     *
     * @throws IllegalArgumentException when {@code status} is not a leader's
     */
    public static ClusterStatusReport of(NodeStatus status, PodIdentity pod, List<String> alarms) {
        if (!status.isLeader()) {
            throw new IllegalArgumentException("only a leader reports; node " + status.id() + " is " + status.role());
        }
        List<MemberReport> members = new ArrayList<>();
        for (NodeStatus.Member m : status.members()) {
            String podName = m.id() == status.id() ? pod.podName() : podOf(m.peerAddress(), pod);
            members.add(new MemberReport(
                    Long.toString(m.id()), podName, m.peerAddress(), m.learner() ? "Learner" : "Voter"));
        }
        return new ClusterStatusReport(pod.podName(), status.term(), status.commitIndex(), members, alarms);
    }

    /** Whether {@code other} differs from this report in more than the commit index. */
    public boolean differsBeyondCommitIndex(ClusterStatusReport other) {
        return other == null
                || !leader.equals(other.leader)
                || term != other.term
                || !members.equals(other.members)
                || !alarms.equals(other.alarms);
    }

    /**
     * The RFC 7386 JSON merge patch of the status subresource: {@code metadata.resourceVersion}
     * (a precondition, not a change) and the node-owned status fields (the four above and
     * {@code alarms}), nothing else. Merge
     * semantics keep every other status field (the operator's) as it is; {@code members} is
     * replaced as a whole, which is what the leader means.
     */
    public String toMergePatch(String resourceVersion) {
        ObjectNode root = JSON.createObjectNode();
        if (resourceVersion != null && !resourceVersion.isEmpty()) {
            root.putObject("metadata").put("resourceVersion", resourceVersion);
        }
        ObjectNode st = root.putObject("status");
        st.put("leader", leader);
        st.put("term", term);
        st.put("commitIndex", commitIndex);
        ArrayNode ms = st.putArray("members");
        for (MemberReport m : members) {
            ObjectNode o = ms.addObject();
            o.put("id", m.id());
            if (!m.pod().isEmpty()) {
                o.put("pod", m.pod());
            }
            if (!m.address().isEmpty()) {
                o.put("address", m.address());
            }
            o.put("role", m.role());
        }
        ArrayNode as = st.putArray("alarms");
        alarms.forEach(as::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a status patch", e);
        }
    }

    private static String podOf(String peerAddress, PodIdentity pod) {
        if (peerAddress.isEmpty()) {
            return "";
        }
        try {
            return pod.podNameOfHost(HostPort.parse(peerAddress).host()).orElse("");
        } catch (IllegalArgumentException malformed) {
            return "";
        }
    }
}
