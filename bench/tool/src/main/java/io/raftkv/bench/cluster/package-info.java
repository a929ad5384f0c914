/**
 * Local clusters to benchmark: child processes on loopback, each member with its own data directory
 * ({@link LocalCluster}, one test kit {@code ManagedProcess} per member), for RaftKV ({@link RaftKvCluster})
 * and etcd ({@link EtcdCluster}), each asked who leads through {@link MemberView}, and the steadiness
 * figures read from the members' {@code /metrics} ({@link ClusterMetrics}).
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}) and the cluster test kit
 * ({@link io.raftkv.testkit}), of RaftKV's packages.
 */
package io.raftkv.bench.cluster;
