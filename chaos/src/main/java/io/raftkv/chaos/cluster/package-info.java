/**
 * The cluster a chaos run attacks: real node processes on loopback ({@link ProcessCluster}, one
 * {@link NodeProcess} each, ports from the test kit's {@code FreePorts}, settings in {@link ClusterOptions}) with
 * every directed peer link behind its own fault proxy, and {@link StatusProbe} asking every node at
 * once. It implements the faults' {@code ClusterControl}. With TLS on, {@link ClusterTls} keeps the
 * run's certificates and tokens ({@link ChaosCa} issues them) and {@link CaRotation} is the fault
 * that rotates them under the running nodes.
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}), {@link io.raftkv.e2e.faults},
 * {@link io.raftkv.e2e.proxy} and the cluster test kit ({@link io.raftkv.testkit}: processes, ports,
 * the node's command line). Checked by {@code ChaosArchitectureTest}.
 */
package io.raftkv.chaos.cluster;
