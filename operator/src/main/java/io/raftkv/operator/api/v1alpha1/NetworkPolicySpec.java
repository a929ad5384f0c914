package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;

/**
 * The NetworkPolicy {@code <cluster>} for the member pods: the peer port only from this
 * cluster's own pods; the client and probe ports from the sources given here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkPolicySpec {

    @Default("true")
    @JsonPropertyDescription(
            "Create the NetworkPolicy. Takes effect only where the network" + " plugin enforces NetworkPolicies.")
    private Boolean enabled = true;

    @JsonPropertyDescription("Who may reach the client port (9090). Absent: anyone (the port is"
            + " authenticated when auth is on); an empty list: nobody outside the cluster's pods.")
    private List<NetworkPolicyPeer> clientFrom;

    @JsonPropertyDescription("Who may reach the probe and metrics port (9092: health, readiness,"
            + " /metrics, never data). Absent: anyone, so that kubelet and Prometheus in another"
            + " namespace keep working.")
    private List<NetworkPolicyPeer> probeFrom;

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public List<NetworkPolicyPeer> getClientFrom() {
        return clientFrom;
    }

    public void setClientFrom(List<NetworkPolicyPeer> clientFrom) {
        this.clientFrom = clientFrom;
    }

    public List<NetworkPolicyPeer> getProbeFrom() {
        return probeFrom;
    }

    public void setProbeFrom(List<NetworkPolicyPeer> probeFrom) {
        this.probeFrom = probeFrom;
    }
}
