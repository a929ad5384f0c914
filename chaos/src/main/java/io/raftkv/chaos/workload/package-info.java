/**
 * The clients of a chaos run: {@link Workload} runs {@link WorkloadOptions#clients()}
 * {@link ClientWorker}s, each with one operation in flight, over a contended {@link KeySpace} with
 * an {@link OpMix}, recording every completed operation into the history and counting outcomes
 * ({@link WorkloadStats}). With {@code -Dchaos.etcdClients=N}, {@link EtcdWorkload} adds N
 * {@link EtcdClientWorker}s that speak etcd's v3 API into the same history, checked the same way.
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}), etcd's API stubs ({@code io.raftkv.etcd.api..}) and {@link io.raftkv.e2e.history}.
 * Checked by {@code ChaosArchitectureTest}.
 */
package io.raftkv.chaos.workload;
