package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One Raft member as reported by the leader node in {@code status.members}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RaftKvMember {

    @JsonPropertyDescription("Raft member id (stored on the member's volume; never reused).")
    private String id;

    @JsonPropertyDescription("Name of the pod that runs this member.")
    private String pod;

    @JsonPropertyDescription("Peer address of the member (host:port).")
    private String address;

    @JsonPropertyDescription("Voter or Learner.")
    private String role;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public String getRole() {
        return role;
    }

    public void setRole(String role) {
        this.role = role;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RaftKvMember m
                && Objects.equals(id, m.id)
                && Objects.equals(pod, m.pod)
                && Objects.equals(address, m.address)
                && Objects.equals(role, m.role);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, pod, address, role);
    }
}
