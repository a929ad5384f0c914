/**
 * The client-facing side of a node: the client port ({@link ClientServer}: gRPC {@code raftkv.v1.KV}
 * in {@link KvService} with its request checks in {@link KvRequests}, {@code raftkv.v1.Cluster} in
 * {@link ClusterService}, {@code grpc.health.v1} in {@link HealthV1Service}, and plain HTTP in
 * {@link HttpEndpoints}), the probe port ({@link ProbeServer}), the pipelined stream
 * ({@link PipelineCall}), backup downloads ({@link SnapshotDownloadCall}), and the rules every call
 * runs under: admission, deadlines and metrics ({@link CallRunner}), connection admission
 * ({@link io.raftkv.node.net.ConnectionGuard}), response memory ({@link ResponseBudget},
 * {@link ResponseLimits}), the read pool ({@link ReadPool}), limits ({@link ServerLimits}) and the
 * one mapping of failures to gRPC statuses ({@link GrpcErrors}).
 *
 * <p>Depends on {@link io.raftkv.node.driver} (through {@link io.raftkv.node.driver.RaftNodeApi}),
 * {@link io.raftkv.node.metrics}, the wire packages of the api module and the core's value types.
 * How it is secured is {@link io.raftkv.node.security}'s port
 * {@link io.raftkv.node.security.ClientPortSecurity}. It talks to the state machine through its
 * contract, {@link io.raftkv.node.kv} (commands, results, {@code KvReader}), and names addresses
 * and admits connections with {@link io.raftkv.node.net}.
 * Known exceptions, frozen in {@code NodeArchitectureTest}: backup downloads use
 * {@code SnapshotReader}, {@code SnapshotChunk} and {@code StorageFailedException} of
 * {@link io.raftkv.node.storage}. And {@link ClientServer} builds
 * {@code io.raftkv.node.etcd}'s services itself, although that package is built on this one.
 */
package io.raftkv.node.server;
