package io.raftkv.operator.crd;

import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.Map;

/**
 * Descriptions for the inner fields of the embedded Kubernetes types (resources, affinity,
 * tolerations, topology spread constraints, conditions), which Fabric8's model classes do not
 * carry, so that {@code kubectl explain raftkvcluster.spec --recursive} documents every field.
 * Looked up by {@code parent/field} first, then by {@code field}; condensed from the Kubernetes
 * API reference.
 */
final class EmbeddedDescriptions {

    private static final Map<String, String> BY_PARENT = Map.ofEntries(
            Map.entry(
                    "tolerations/key",
                    "Taint key the toleration matches; empty with operator" + " Exists matches every taint."),
            Map.entry(
                    "tolerations/operator",
                    "Equal (the default: key and value must match) or" + " Exists (any value)."),
            Map.entry("tolerations/value", "Taint value the toleration matches with operator Equal."),
            Map.entry(
                    "tolerations/effect",
                    "Taint effect to match: NoSchedule, PreferNoSchedule or" + " NoExecute; empty matches all."),
            Map.entry(
                    "tolerations/tolerationSeconds",
                    "For NoExecute: how long the pod stays bound" + " after the taint appears; unset means for ever."),
            Map.entry("matchExpressions/key", "Label key the requirement applies to."),
            Map.entry(
                    "matchExpressions/operator",
                    "In, NotIn, Exists or DoesNotExist (node" + " selectors also Gt and Lt)."),
            Map.entry(
                    "matchExpressions/values",
                    "Values for In and NotIn (one integer for Gt/Lt);" + " empty for Exists and DoesNotExist."),
            Map.entry("matchFields/key", "Node field the requirement applies to (metadata.name)."),
            Map.entry("matchFields/operator", "In, NotIn, Exists, DoesNotExist, Gt or Lt."),
            Map.entry("matchFields/values", "Values the node field is compared with."),
            Map.entry("claims/name", "Name of a resource claim of the pod that this container" + " uses."),
            Map.entry("claims/request", "The request of that claim to use, when it has several."),
            Map.entry("conditions/type", "Condition type: Available, Progressing or Degraded."),
            Map.entry("conditions/status", "True, False or Unknown."),
            Map.entry("conditions/reason", "Machine-readable CamelCase reason of the last" + " transition."),
            Map.entry("conditions/message", "Human-readable details."),
            Map.entry("conditions/lastTransitionTime", "When the status last changed (RFC 3339)."),
            Map.entry("conditions/observedGeneration", "The metadata.generation this condition" + " describes."));

    private static final Map<String, String> BY_NAME = Map.ofEntries(
            Map.entry("spec", "Desired state of the cluster."),
            Map.entry("status", "Observed state of the cluster, written by the operator and by the" + " Raft leader."),
            Map.entry(
                    "limits",
                    "Maximum resources the container may use (quantities); the JVM"
                            + " sizes its heap from the memory limit."),
            Map.entry("requests", "Resources the scheduler reserves for the container (quantities)."),
            Map.entry("claims", "Dynamic resource claims the container uses."),
            Map.entry("nodeAffinity", "Rules on the labels of the nodes the pods may run on."),
            Map.entry("podAffinity", "Rules that place the pods near pods with given labels."),
            Map.entry(
                    "podAntiAffinity",
                    "Rules that keep the pods away from pods with given labels" + " (e.g. one member per node)."),
            Map.entry(
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    "Hard rules: a pod is only" + " scheduled where they hold."),
            Map.entry(
                    "preferredDuringSchedulingIgnoredDuringExecution",
                    "Soft rules: the scheduler" + " prefers placements where they hold, weighted."),
            Map.entry("nodeSelectorTerms", "Terms of which at least one must match the node."),
            Map.entry("preference", "The node selector term this preference is about."),
            Map.entry("weight", "Weight of the preference, 1-100."),
            Map.entry("podAffinityTerm", "The pod affinity term this preference is about."),
            Map.entry("labelSelector", "Selects the pods the rule is about, by label."),
            Map.entry("namespaceSelector", "Selects the namespaces whose pods the rule considers."),
            Map.entry("namespaces", "Namespaces whose pods the rule considers (default: the" + " cluster's)."),
            Map.entry(
                    "topologyKey",
                    "Node label whose values define the topology domains (e.g."
                            + " kubernetes.io/hostname, topology.kubernetes.io/zone)."),
            Map.entry(
                    "matchLabelKeys",
                    "Pod label keys whose values, taken from the incoming pod," + " are added to the selector."),
            Map.entry(
                    "mismatchLabelKeys", "Pod label keys whose values, taken from the incoming pod," + " must differ."),
            Map.entry("matchLabels", "Labels that must all be present with these values."),
            Map.entry("matchExpressions", "Label requirements that must all hold."),
            Map.entry("matchFields", "Node field requirements that must all hold."),
            Map.entry(
                    "maxSkew",
                    "Largest allowed difference in the number of matching pods between" + " two topology domains."),
            Map.entry("minDomains", "Minimum number of eligible domains (with DoNotSchedule)."),
            Map.entry(
                    "nodeAffinityPolicy",
                    "Honor or Ignore: whether node affinity and selectors" + " limit the domains counted."),
            Map.entry("nodeTaintsPolicy", "Honor or Ignore: whether tainted nodes are counted."),
            Map.entry("whenUnsatisfiable", "DoNotSchedule (hard) or ScheduleAnyway (soft)."),
            Map.entry(
                    "ipBlock",
                    "Addresses allowed, as a CIDR with exceptions (for sources outside"
                            + " the cluster's pod network)."),
            Map.entry("cidr", "The allowed address range, e.g. 10.0.0.0/8."),
            Map.entry("except", "Ranges inside cidr that are not allowed."),
            Map.entry(
                    "podSelector",
                    "Selects pods by label (in the cluster's namespace, or in the"
                            + " namespaces namespaceSelector selects)."));

    private EmbeddedDescriptions() {}

    /** Fills in every missing property description below {@code node}. */
    static void fill(JSONSchemaProps node, String parent) {
        if (node.getProperties() != null) {
            node.getProperties().forEach((name, child) -> {
                if (child.getDescription() == null) {
                    String text = BY_PARENT.getOrDefault(parent + "/" + name, BY_NAME.get(name));
                    if (text == null) {
                        throw new IllegalStateException(
                                "no description for " + parent + "/" + name + ": add one to EmbeddedDescriptions");
                    }
                    child.setDescription(text);
                }
                fill(child, name);
            });
        }
        if (node.getItems() != null && node.getItems().getSchema() != null) {
            fill(node.getItems().getSchema(), parent);
        }
    }
}
