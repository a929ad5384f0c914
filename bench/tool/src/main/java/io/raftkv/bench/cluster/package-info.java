/**
 * Local clusters to benchmark: child processes on loopback, each member with its own data directory
 * ({@link LocalCluster}, one {@link ManagedProcess} per member), for RaftKV ({@link RaftKvCluster})
 * and etcd ({@link EtcdCluster}), each asked who leads through {@link MemberView}.
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}) only, of RaftKV's packages. Known
 * exception, frozen in {@code BenchArchitectureTest}: the clusters build {@code suite.ClusterMetrics}.
 */
package io.raftkv.bench.cluster;
