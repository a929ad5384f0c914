/**
 * What to ask a system: {@link WorkloadSpec} (operation mix, key and value shapes, validated) made
 * concrete by {@link Workload} as one seeded stream of {@link Operation}s per client
 * ({@link OperationKind}, {@link KeyOrder}).
 *
 * <p>Depends on {@link io.raftkv.bench.spi} only. Checked by {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.workload;
