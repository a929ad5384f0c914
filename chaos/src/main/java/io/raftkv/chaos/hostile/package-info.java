/**
 * The hostile-client suite (issue 18): attacks on a real 3-node process cluster
 * ({@code io.raftkv.chaos.cluster.ProcessCluster}) while the chaos workload, a well-behaved client,
 * writes and reads; per attack the nodes' peak RSS, elections, the good client's throughput and p99
 * against its quiet baseline, and one linearizability check (the chaos checker) over the whole
 * history with lost writes counted. {@link io.raftkv.chaos.hostile.HostileRun} drives it,
 * {@link io.raftkv.chaos.hostile.Attacks} holds the attacks. Depends on the chaos cluster, workload
 * and run packages, the client API and the e2e history and checker (ChaosArchitectureTest).
 */
package io.raftkv.chaos.hostile;
