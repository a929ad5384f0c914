/**
 * The node's life in Kubernetes ({@link KubernetesNode}): which Raft member this pod's volume is
 * ({@link MemberIdentityResolver}, {@link MemberIdFile}, {@link PodIdentity}), waiting for the peer
 * Service's DNS records ({@link DnsRecordWaiter}), and the leader writing its view into the
 * RaftKvCluster status on a thread of its own ({@link ClusterStatusReporter},
 * {@link ClusterStatusReport}, through {@link ClusterResource} / {@link Fabric8ClusterResource}).
 * Every Kubernetes or DNS call blocks, so none runs on an event loop.
 *
 * <p>Depends on {@link io.raftkv.node.driver} (the published {@code NodeStatus}) and
 * {@link io.raftkv.node.transport} ({@code HostPort}); not on the operator (the RaftKvCluster is read
 * as an untyped resource). Checked by {@code NodeArchitectureTest}.
 */
package io.raftkv.node.k8s;
