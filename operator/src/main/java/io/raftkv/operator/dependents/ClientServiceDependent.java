package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.ClientServiceSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * The Service {@code <cluster>} that clients use: gRPC (KV, Cluster, health, reflection) and
 * HTTP on port 9090 of ready members only. Any member accepts a request; followers forward or
 * answer with a leader hint.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class ClientServiceDependent extends OwnedDependent<Service> {

    public ClientServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static Service desiredFor(RaftKvCluster cluster) {
        ClientServiceSpec spec = cluster.getSpec().getClientService() != null
                ? cluster.getSpec().getClientService()
                : new ClientServiceSpec();
        ObjectMeta metadata = ClusterObjects.metadata(cluster, ClusterObjects.clientServiceName(cluster));
        if (spec.getAnnotations() != null) {
            metadata.getAnnotations().putAll(spec.getAnnotations());
        }
        ClientServiceSpec.ServiceType type =
                spec.getType() != null ? spec.getType() : ClientServiceSpec.ServiceType.ClusterIP;
        return new ServiceBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                .withType(type.name())
                .withSelector(ClusterObjects.selectorLabels(cluster))
                .addNewPort()
                .withName(ClusterObjects.CLIENT_PORT_NAME)
                .withProtocol("TCP")
                .withAppProtocol("grpc")
                .withPort(ClusterObjects.CLIENT_PORT)
                .withTargetPort(new IntOrString(ClusterObjects.CLIENT_PORT_NAME))
                .endPort()
                .endSpec()
                .build();
    }
}
