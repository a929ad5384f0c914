package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * The headless Service {@code <cluster>-peers} that gives each member a stable DNS name
 * ({@code <cluster>-<i>.<cluster>-peers.<ns>.svc}). It publishes not-ready addresses: a member is
 * ready only once the cluster has a leader, and a leader can only be elected when the members
 * can already resolve each other.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class PeerServiceDependent extends OwnedDependent<Service> {

    public PeerServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static Service desiredFor(RaftKvCluster cluster) {
        return new ServiceBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, ClusterObjects.peerServiceName(cluster)))
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(ClusterObjects.selectorLabels(cluster))
                .withPorts(
                        new ServicePortBuilder()
                                .withName(ClusterObjects.PEER_PORT_NAME)
                                .withProtocol("TCP")
                                .withPort(ClusterObjects.PEER_PORT)
                                .withTargetPort(new IntOrString(ClusterObjects.PEER_PORT_NAME))
                                .build(),
                        new ServicePortBuilder()
                                .withName(ClusterObjects.CLIENT_PORT_NAME)
                                .withProtocol("TCP")
                                .withPort(ClusterObjects.CLIENT_PORT)
                                .withTargetPort(new IntOrString(ClusterObjects.CLIENT_PORT_NAME))
                                .build())
                .endSpec()
                .build();
    }
}
