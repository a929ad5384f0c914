/**
 * Benchmark suites: the standard scenarios ({@link StandardSuite}, {@link Scenario}) run against one
 * system by {@link SuiteRunner} after a {@link Preloader}, with the servers' CPU time
 * ({@link ServerCpuProbe}) and the machine ({@link Machine}) recorded in the results
 * ({@link ScenarioResult}, {@link SystemResults}); and leader failover under load
 * ({@link FailoverBenchmark}).
 *
 * <p>Depends on {@link io.raftkv.bench.cluster}, {@link io.raftkv.bench.load},
 * {@link io.raftkv.bench.spi} and {@link io.raftkv.bench.workload}. Checked by
 * {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.suite;
