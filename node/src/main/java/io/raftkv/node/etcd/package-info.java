/**
 * etcd's v3 gRPC API ({@code etcdserverpb}, generated in the {@code etcd-api} module) served on the
 * node's client port beside RaftKV's own services, so etcdctl, jetcd and Go's clientv3 work
 * unchanged: {@link io.raftkv.node.etcd.EtcdServices} wires KV ({@code EtcdKv}: Range semantics in
 * {@code EtcdRange}, transactions mapped by {@code EtcdTxnPlan}), Watch ({@code EtcdWatch}, on the
 * member's {@code WatchHub}), Lease ({@code EtcdLease}, keep-alive streams in {@code EtcdKeepAlive},
 * on the {@code LeaseKeeper}), Maintenance, Cluster and the Snapshot stream; {@code EtcdErrors} holds etcd's error codes and messages; {@code EtcdForwarder}
 * sends a write that reached a follower on to the leader. docs/etcd-compatibility.md lists what is
 * supported, what differs and what answers UNIMPLEMENTED.
 *
 * <p>Depends on the server's call rules ({@code node.server}), the driver ({@code RaftNodeApi}),
 * the alarms ({@code node.alarm}), the watch hub ({@code node.watch}), the lease keeper
 * ({@code node.lease}), metrics, and the state machine's contract ({@code node.kv}); backup
 * downloads use storage's snapshot reader (frozen in {@code NodeArchitectureTest}); nothing depends on it but
 * {@code ClientServer}, which builds it.
 */
package io.raftkv.node.etcd;
