/**
 * {@code raftkv-bench}, the benchmark tool's command line ({@link BenchMain}): {@code run},
 * {@code compare}, {@code failover}, {@code smoke} and {@code jmh}, with their shared options
 * ({@link ClusterOptions}, {@link DurationConverter}). docs/benchmarks.md is the reference.
 *
 * <p>The tool's composition root: may depend on every package of the tool. Checked by
 * {@code BenchArchitectureTest}.
 */
package io.raftkv.bench;
