/**
 * The kinds of trouble a chaos run puts a cluster through ({@link Fault}, catalogued in
 * {@link Faults}): process faults (kill, pause, restart: {@link KillLeader}, {@link PauseLeader}...),
 * network faults ({@link NetworkFault}: partitions, lossy and slow links), membership changes and
 * leadership-transfer storms, all acting through {@link ClusterControl}, which the real process
 * cluster implements and tests of fault logic fake.
 *
 * <p>Depends on {@link io.raftkv.e2e.proxy} only. Checked by {@code E2eArchitectureTest}.
 */
package io.raftkv.e2e.faults;
