package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * Pod placement. Unless {@code affinity} is given, the operator adds a pod anti-affinity on
 * {@code kubernetes.io/hostname} so that one node failure costs at most one member: losing two
 * members of a three-node cluster at once loses its quorum.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulingSpec {

    @Default("Preferred")
    @JsonPropertyDescription("Default spreading of members across Kubernetes nodes, used only when"
            + " affinity is not set: Preferred (soft), Required (hard: needs one node per member) or"
            + " None.")
    private AntiAffinityPolicy antiAffinity = AntiAffinityPolicy.Preferred;

    @JsonPropertyDescription("Pod affinity rules; when set they replace the default anti-affinity.")
    private Affinity affinity;

    @JsonPropertyDescription("Tolerations of the pods.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Node labels the pods' nodes must carry.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Topology spread constraints of the pods (e.g. across zones).")
    private List<TopologySpreadConstraint> topologySpreadConstraints;

    @JsonPropertyDescription("PriorityClass of the pods.")
    private String priorityClassName;

    public AntiAffinityPolicy getAntiAffinity() {
        return antiAffinity;
    }

    public void setAntiAffinity(AntiAffinityPolicy antiAffinity) {
        this.antiAffinity = antiAffinity;
    }

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<TopologySpreadConstraint> getTopologySpreadConstraints() {
        return topologySpreadConstraints;
    }

    public void setTopologySpreadConstraints(List<TopologySpreadConstraint> topologySpreadConstraints) {
        this.topologySpreadConstraints = topologySpreadConstraints;
    }

    public String getPriorityClassName() {
        return priorityClassName;
    }

    public void setPriorityClassName(String priorityClassName) {
        this.priorityClassName = priorityClassName;
    }

    /** How strongly members are kept on distinct Kubernetes nodes by default. */
    public enum AntiAffinityPolicy {
        Preferred,
        Required,
        None
    }
}
