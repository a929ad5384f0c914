/**
 * Renders suite results side by side: {@link ComparisonTable} (throughput, latency and their ratios
 * per scenario) and {@link ComparisonChart} (PNG bar charts, headless).
 *
 * <p>Depends on {@link io.raftkv.bench.load} and {@link io.raftkv.bench.suite}. Checked by
 * {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.report;
