/**
 * The contract between the benchmark tool and a system under test: {@link Target} (the operations,
 * asynchronous, with {@link TargetCallException} classifying failures by gRPC status name),
 * {@link TargetFactory} (found with {@code ServiceLoader} in a driver's class loader),
 * {@link TargetOptions} and {@link ReadMode}. Both RaftKV and etcd implement it, so one load
 * generator drives both.
 *
 * <p>Depends on the JDK only: the isolated etcd driver and the tool both load it.
 */
package io.raftkv.bench.spi;
