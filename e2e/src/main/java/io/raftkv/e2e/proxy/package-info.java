/**
 * Fault injection on the peer network: one TCP {@link FaultProxy} per directed {@link Link}
 * ({@link ProxyMesh}, behind the {@link PeerNetwork} interface) whose {@link LinkBehavior} (pass,
 * cut, blackhole, delay, loss-like delay) changes at run time, with seeded partition shapes
 * ({@link Partitions}).
 *
 * <p>Depends on no other {@code io.raftkv} package. Checked by {@code E2eArchitectureTest}.
 */
package io.raftkv.e2e.proxy;
