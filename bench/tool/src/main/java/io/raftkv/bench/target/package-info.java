/**
 * Opens a {@code Target} by system name ({@link Targets}): RaftKV through its own Java client
 * ({@link RaftKvTarget}, pipelined or unary), or a driver jar loaded in its own class loader
 * ({@link IsolatedDriver}, for etcd).
 *
 * <p>Depends on {@link io.raftkv.bench.spi} and the RaftKV client ({@code io.raftkv.api..}). Checked
 * by {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.target;
