/**
 * JMH microbenchmarks of the hot path in one process: the wire codecs ({@link CodecBenchmark}) and the
 * consensus core proposing and committing over an in-memory group ({@link ProposeCommitBenchmark},
 * {@link InMemoryRaftGroup}). Run with {@code make jmh}.
 *
 * <p>Depends on the consensus core ({@code io.raftkv.raft}) and the generated wire messages
 * ({@code io.raftkv.api.v1}, {@code io.raftkv.api.peer.v1}). Checked by {@code BenchArchitectureTest}.
 */
package io.raftkv.bench.jmh;
