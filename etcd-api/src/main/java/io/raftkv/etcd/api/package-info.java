/**
 * etcd's v3 API as Java classes: the messages and services of {@code etcdserverpb} (KV, Watch,
 * Lease, Cluster, Maintenance, Auth), {@code mvccpb} (KeyValue, Event), {@code authpb} and
 * {@code v3electionpb}, generated at build time from the {@code .proto} files inside the published
 * {@code io.etcd:jetcd-grpc} artifact (see this module's pom). Protobuf messages plus Vert.x gRPC
 * clients ({@code KVGrpcClient}...) and service bases ({@code KVGrpcService}...). Nothing here is
 * written by hand except this file.
 */
package io.raftkv.etcd.api;
