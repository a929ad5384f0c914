/**
 * The cluster a chaos run attacks: real node processes on loopback ({@link ProcessCluster}, one
 * {@link NodeProcess} each, ports from {@link FreePorts}, settings in {@link ClusterOptions}) with
 * every directed peer link behind its own fault proxy, and {@link StatusProbe} asking every node at
 * once. It implements the faults' {@code ClusterControl}.
 *
 * <p>Depends on the RaftKV client ({@code io.raftkv.api..}), {@link io.raftkv.e2e.faults} and
 * {@link io.raftkv.e2e.proxy}. Checked by {@code ChaosArchitectureTest}.
 */
package io.raftkv.chaos.cluster;
