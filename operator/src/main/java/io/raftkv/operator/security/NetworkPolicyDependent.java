package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.raftkv.operator.api.v1alpha1.NetworkPolicySpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.OwnedDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NetworkPolicy {@code <cluster>} of the member pods (ingress only):
 *
 * <ul>
 *   <li>peer port 9091: only from this cluster's own pods;</li>
 *   <li>client port 9090: from {@code spec.networkPolicy.clientFrom}, anyone when it is absent;
 *       when it is given, the cluster's own pods (relayed writes) and the operator's pods
 *       ({@code app.kubernetes.io/name: raftkv-operator} in any namespace: its admin calls) are
 *       always added;</li>
 *   <li>probe port 9092: from {@code spec.networkPolicy.probeFrom}, anyone when absent.</li>
 * </ul>
 *
 * <p>Egress is not restricted: members dial each other and the API server. Exists while
 * {@code spec.networkPolicy.enabled} ({@link Enabled}).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class NetworkPolicyDependent extends OwnedDependent<NetworkPolicy> {

    /** Label of the operator's pods (kustomize and Helm both set it). */
    public static final String OPERATOR_POD_LABEL = "app.kubernetes.io/name";

    public static final String OPERATOR_POD_NAME = "raftkv-operator";

    public NetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static NetworkPolicy desiredFor(RaftKvCluster cluster) {
        NetworkPolicySpec spec = spec(cluster);
        NetworkPolicyPeer ownPods = new NetworkPolicyPeerBuilder()
                .withPodSelector(new LabelSelectorBuilder()
                        .withMatchLabels(ClusterObjects.selectorLabels(cluster))
                        .build())
                .build();
        List<NetworkPolicyIngressRule> rules = new ArrayList<>();
        rules.add(rule(ClusterObjects.PEER_PORT, List.of(ownPods)));
        if (spec.getClientFrom() == null) {
            rules.add(rule(ClusterObjects.CLIENT_PORT, null));
        } else {
            List<NetworkPolicyPeer> from = new ArrayList<>(spec.getClientFrom());
            from.add(ownPods);
            from.add(new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(new LabelSelectorBuilder().build())
                    .withPodSelector(new LabelSelectorBuilder()
                            .withMatchLabels(Map.of(OPERATOR_POD_LABEL, OPERATOR_POD_NAME))
                            .build())
                    .build());
            rules.add(rule(ClusterObjects.CLIENT_PORT, from));
        }
        rules.add(rule(ClusterObjects.PROBE_PORT, spec.getProbeFrom()));
        return new NetworkPolicyBuilder()
                .withMetadata(
                        ClusterObjects.metadata(cluster, cluster.getMetadata().getName()))
                .withNewSpec()
                .withNewPodSelector()
                .withMatchLabels(ClusterObjects.selectorLabels(cluster))
                .endPodSelector()
                .withPolicyTypes("Ingress")
                .withIngress(rules)
                .endSpec()
                .build();
    }

    /** Port {@code port}/TCP from {@code from}; null means from anywhere. */
    private static NetworkPolicyIngressRule rule(int port, List<NetworkPolicyPeer> from) {
        NetworkPolicyIngressRuleBuilder b = new NetworkPolicyIngressRuleBuilder()
                .withPorts(new NetworkPolicyPortBuilder()
                        .withProtocol("TCP")
                        .withPort(new IntOrString(port))
                        .build());
        if (from != null) {
            b.withFrom(from);
        }
        return b.build();
    }

    static NetworkPolicySpec spec(RaftKvCluster cluster) {
        return cluster.getSpec().getNetworkPolicy() != null
                ? cluster.getSpec().getNetworkPolicy()
                : new NetworkPolicySpec();
    }

    /** Reconcile precondition: {@code spec.networkPolicy.enabled} (default true). */
    public static class Enabled implements Condition<NetworkPolicy, RaftKvCluster> {
        @Override
        public boolean isMet(
                DependentResource<NetworkPolicy, RaftKvCluster> dependentResource,
                RaftKvCluster cluster,
                Context<RaftKvCluster> context) {
            return !Boolean.FALSE.equals(spec(cluster).getEnabled());
        }
    }
}
