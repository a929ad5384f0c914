package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The observed state of a RaftKV cluster.
 *
 * <p>Two writers share this object and never overwrite each other's fields:
 * <ul>
 *   <li>the operator: {@code phase}, {@code replicas}, {@code readyReplicas}, {@code selector},
 *       {@code observedGeneration}, {@code conditions}, {@code operation};</li>
 *   <li>the Raft leader: {@code leader}, {@code term}, {@code members}, {@code commitIndex}.</li>
 * </ul>
 * The operator's status patch is a JSON patch computed against the cached object with the node's
 * fields copied over unchanged, so it contains no operation on them (see
 * {@code ClusterStatusCalculator}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RaftKvClusterStatus {

    @JsonPropertyDescription("Summary of the cluster's state: Creating, Running, Scaling,"
            + " Upgrading, Updating or Degraded. Conditions carry the details.")
    private String phase;

    @StatusReplicas
    @JsonPropertyDescription("Number of member pods that exist (the scale subresource's" + " status.replicas).")
    private Integer replicas;

    @JsonPropertyDescription(
            "Number of member pods that are ready: each is a member of a cluster" + " with a known leader.")
    private Integer readyReplicas;

    @LabelSelector
    @JsonPropertyDescription("Label selector of the member pods, in string form (for the scale" + " subresource).")
    private String selector;

    @JsonPropertyDescription("Pod name of the current Raft leader. Written by the leader node.")
    private String leader;

    @JsonPropertyDescription("Current Raft term. Written by the leader node.")
    private Long term;

    @JsonPropertyDescription("Raft membership as the leader sees it. Written by the leader node.")
    private List<RaftKvMember> members;

    @JsonPropertyDescription("Highest committed log index known to the leader. Written by the" + " leader node.")
    private Long commitIndex;

    @JsonPropertyDescription("Cluster-wide alarms active as of the leader's applied index, each"
            + " TYPE:memberId (e.g. NOSPACE:2: member 2 is above its space quota, so writes that add data"
            + " are refused until keys are deleted and an admin runs raftkvctl alarm disarm). Written by"
            + " the leader node; the Alarm condition mirrors it.")
    private List<String> alarms;

    @JsonPropertyDescription("The metadata.generation that this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The membership operation in progress (adding, removing, replacing"
            + " or restarting one member), absent when there is none. Written by the operator.")
    private ClusterOperation operation;

    @JsonPropertyDescription("The operator-managed certificates: when the CA and the soonest"
            + " certificate expire. Absent when TLS is off. Written by the operator.")
    private TlsStatus tls;

    @JsonPropertyDescription("Progress of spec.restore, absent without one. Written by the operator.")
    private RestoreStatus restore;

    @JsonPropertyDescription("While the cluster has no quorum (condition QuorumLost): every member"
            + " pod that answered, with its term and last log index, so that a user can pick the most"
            + " up-to-date one to rebuild from (annotation raftkv.io/force-new-cluster, docs/operations.md)."
            + " Written by the operator.")
    private List<SurvivorStatus> survivors;

    @JsonPropertyDescription("Standard conditions: Available (a quorum of members is ready),"
            + " Progressing (the cluster is being created, scaled or updated), Degraded (fewer"
            + " members than desired are ready, or the spec is invalid) and Alarm (a cluster-wide alarm"
            + " such as NOSPACE is active; reason: the alarm type).")
    private List<Condition> conditions = new ArrayList<>();

    public TlsStatus getTls() {
        return tls;
    }

    public void setTls(TlsStatus tls) {
        this.tls = tls;
    }

    public String getPhase() {
        return phase;
    }

    public void setPhase(String phase) {
        this.phase = phase;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public String getLeader() {
        return leader;
    }

    public void setLeader(String leader) {
        this.leader = leader;
    }

    public Long getTerm() {
        return term;
    }

    public void setTerm(Long term) {
        this.term = term;
    }

    public List<RaftKvMember> getMembers() {
        return members;
    }

    public void setMembers(List<RaftKvMember> members) {
        this.members = members;
    }

    public List<String> getAlarms() {
        return alarms;
    }

    public void setAlarms(List<String> alarms) {
        this.alarms = alarms;
    }

    public Long getCommitIndex() {
        return commitIndex;
    }

    public void setCommitIndex(Long commitIndex) {
        this.commitIndex = commitIndex;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public ClusterOperation getOperation() {
        return operation;
    }

    public void setOperation(ClusterOperation operation) {
        this.operation = operation;
    }

    public RestoreStatus getRestore() {
        return restore;
    }

    public void setRestore(RestoreStatus restore) {
        this.restore = restore;
    }

    public List<SurvivorStatus> getSurvivors() {
        return survivors;
    }

    public void setSurvivors(List<SurvivorStatus> survivors) {
        this.survivors = survivors;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RaftKvClusterStatus other)) {
            return false;
        }
        return Objects.equals(phase, other.phase)
                && Objects.equals(replicas, other.replicas)
                && Objects.equals(readyReplicas, other.readyReplicas)
                && Objects.equals(selector, other.selector)
                && Objects.equals(leader, other.leader)
                && Objects.equals(term, other.term)
                && Objects.equals(members, other.members)
                && Objects.equals(commitIndex, other.commitIndex)
                && Objects.equals(observedGeneration, other.observedGeneration)
                && Objects.equals(operation, other.operation)
                && Objects.equals(conditions, other.conditions)
                && Objects.equals(alarms, other.alarms)
                && Objects.equals(tls, other.tls)
                && Objects.equals(restore, other.restore)
                && Objects.equals(survivors, other.survivors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                phase,
                replicas,
                readyReplicas,
                selector,
                leader,
                term,
                members,
                commitIndex,
                observedGeneration,
                operation,
                conditions,
                alarms,
                tls,
                restore,
                survivors);
    }

    @Override
    public String toString() {
        return "RaftKvClusterStatus{phase=" + phase + ", replicas=" + replicas + ", readyReplicas="
                + readyReplicas + ", leader=" + leader + ", term=" + term + ", observedGeneration="
                + observedGeneration + ", operation=" + operation + ", conditions=" + conditions + "}";
    }
}
