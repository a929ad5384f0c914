/**
 * The etcd targets of the benchmark, loaded in a class loader of their own: {@code etcd}
 * ({@link io.raftkv.bench.etcd.EtcdGrpcTarget}, plain grpc-java stubs generated from etcd's protos,
 * one unary call per operation, the connection model of etcd's {@code benchmark} tool) and
 * {@code etcd-jetcd} ({@link io.raftkv.bench.etcd.EtcdTarget}, the jetcd client library).
 *
 * <p>Depends on {@link io.raftkv.bench.spi} only, of RaftKV's packages: its gRPC, Netty and jetcd
 * never meet the tool's.
 */
package io.raftkv.bench.etcd;
