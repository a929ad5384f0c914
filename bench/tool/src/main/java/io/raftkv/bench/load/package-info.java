/**
 * The load generator: {@link LoadRunner} drives one {@code Target} with one workload under one
 * {@link LoadSpec} (closed or open loop, {@link LoadMode}) and measures only operations that complete
 * inside the window ({@link Measurement}), reporting {@link Measured}, {@link LatencySummary} and
 * {@link Progress}. The same code drives every system.
 *
 * <p>Depends on {@link io.raftkv.bench.spi} and {@link io.raftkv.bench.workload}. Checked by
 * {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.load;
