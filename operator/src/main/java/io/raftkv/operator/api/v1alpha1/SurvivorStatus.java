package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * One member pod as the operator saw it while the cluster had no quorum: what a user needs to
 * choose the survivor to rebuild from (the highest term, then the highest last index).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SurvivorStatus {

    @JsonPropertyDescription("The pod.")
    private String pod;

    @JsonPropertyDescription("Its member id (as a string: ids exceed JavaScript's safe integers).")
    private String memberId;

    @JsonPropertyDescription("Its current Raft term.")
    private Long term;

    @JsonPropertyDescription("Index of the last entry in its log.")
    private Long lastIndex;

    @JsonPropertyDescription("Its applied index.")
    private Long appliedIndex;

    public SurvivorStatus() {}

    public SurvivorStatus(String pod, String memberId, Long term, Long lastIndex, Long appliedIndex) {
        this.pod = pod;
        this.memberId = memberId;
        this.term = term;
        this.lastIndex = lastIndex;
        this.appliedIndex = appliedIndex;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getMemberId() {
        return memberId;
    }

    public void setMemberId(String memberId) {
        this.memberId = memberId;
    }

    public Long getTerm() {
        return term;
    }

    public void setTerm(Long term) {
        this.term = term;
    }

    public Long getLastIndex() {
        return lastIndex;
    }

    public void setLastIndex(Long lastIndex) {
        this.lastIndex = lastIndex;
    }

    public Long getAppliedIndex() {
        return appliedIndex;
    }

    public void setAppliedIndex(Long appliedIndex) {
        this.appliedIndex = appliedIndex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SurvivorStatus s
                && Objects.equals(pod, s.pod)
                && Objects.equals(memberId, s.memberId)
                && Objects.equals(term, s.term)
                && Objects.equals(lastIndex, s.lastIndex)
                && Objects.equals(appliedIndex, s.appliedIndex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, memberId, term, lastIndex, appliedIndex);
    }

    @Override
    public String toString() {
        return pod + " (member " + memberId + ", term " + term + ", last index " + lastIndex + ")";
    }
}
