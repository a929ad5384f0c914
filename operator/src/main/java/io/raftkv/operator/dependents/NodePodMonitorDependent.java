package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.raftkv.operator.api.v1alpha1.MonitoringSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PodMonitor for the cluster's pods while {@code spec.monitoring.enabled}, so that a Prometheus
 * Operator scrapes every member's {@code /metrics} on the plaintext {@code probe} port with the target
 * labels the shipped alerts and dashboards group by ({@code namespace}, {@code pod} from the
 * Prometheus Operator, {@code raftkv_cluster} from the pods' instance label; docs/observability.md).
 *
 * <p>Registered with JOSDK's CRD-present activation condition: without the monitoring.coreos.com
 * CRDs the dependent is inactive (no informer, nothing created, nothing reported). With
 * {@code enabled} false (the default) the PodMonitor is deleted if it exists.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class NodePodMonitorDependent extends OwnedDependent<PodMonitor> {

    /** The target label carrying the RaftKvCluster's name. */
    public static final String CLUSTER_TARGET_LABEL = "raftkv_cluster";

    public NodePodMonitorDependent() {
        super(PodMonitor.class);
    }

    @Override
    protected PodMonitor desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static PodMonitor desiredFor(RaftKvCluster cluster) {
        MonitoringSpec monitoring = monitoring(cluster);
        PodMonitor pm = new PodMonitor();
        pm.setMetadata(ClusterObjects.metadata(cluster, cluster.getMetadata().getName()));
        if (monitoring.getLabels() != null && !monitoring.getLabels().isEmpty()) {
            Map<String, String> labels = new LinkedHashMap<>(monitoring.getLabels());
            labels.putAll(pm.getMetadata().getLabels()); // the operator's own labels win
            pm.getMetadata().setLabels(labels);
        }
        PodMonitor.Spec spec = new PodMonitor.Spec();
        spec.namespaceSelector = new PodMonitor.NamespaceSelector();
        spec.namespaceSelector.matchNames = List.of(cluster.getMetadata().getNamespace());
        spec.selector = new LabelSelectorBuilder()
                .withMatchLabels(ClusterObjects.selectorLabels(cluster))
                .build();
        PodMonitor.Endpoint endpoint = new PodMonitor.Endpoint();
        endpoint.port = ClusterObjects.PROBE_PORT_NAME;
        endpoint.path = "/metrics";
        endpoint.interval = monitoring.getInterval();
        PodMonitor.Relabeling instanceLabel = new PodMonitor.Relabeling();
        instanceLabel.sourceLabels = List.of("__meta_kubernetes_pod_label_app_kubernetes_io_instance");
        instanceLabel.targetLabel = CLUSTER_TARGET_LABEL;
        endpoint.relabelings = List.of(instanceLabel);
        spec.podMetricsEndpoints = List.of(endpoint);
        pm.setSpec(spec);
        return pm;
    }

    private static MonitoringSpec monitoring(RaftKvCluster cluster) {
        MonitoringSpec m = cluster.getSpec().getMonitoring();
        return m != null ? m : new MonitoringSpec();
    }

    /** Reconcile precondition: {@code spec.monitoring.enabled}. */
    public static class Enabled implements Condition<PodMonitor, RaftKvCluster> {
        @Override
        public boolean isMet(
                DependentResource<PodMonitor, RaftKvCluster> dependentResource,
                RaftKvCluster cluster,
                Context<RaftKvCluster> context) {
            return Boolean.TRUE.equals(monitoring(cluster).getEnabled());
        }
    }
}
