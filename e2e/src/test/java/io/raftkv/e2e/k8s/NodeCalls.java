package io.raftkv.e2e.k8s;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls to nodes over grpc-java on {@code raftkv-api}'s protobuf messages (the method
 * descriptors are built here, so none of the api module's Vert.x client is loaded; the mock API
 * server in this JVM runs on Vert.x 4). One cached channel per {@code host:port}: plaintext,
 * or TLS with a client certificate for the nodes of a cluster that runs TLS; every call has a
 * deadline.
 */
final class NodeCalls implements AutoCloseable {

    static final Metadata.Key<String> REASON = Metadata.Key.of("raftkv-error-reason", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> LEADER_ADDRESS =
            Metadata.Key.of("raftkv-leader-address", Metadata.ASCII_STRING_MARSHALLER);

    static final MethodDescriptor<PutRequest, PutResponse> PUT =
            unary("raftkv.v1.KV", "Put", PutRequest.getDefaultInstance(), PutResponse.getDefaultInstance());
    static final MethodDescriptor<GetRequest, GetResponse> GET =
            unary("raftkv.v1.KV", "Get", GetRequest.getDefaultInstance(), GetResponse.getDefaultInstance());
    static final MethodDescriptor<RangeRequest, RangeResponse> RANGE =
            unary("raftkv.v1.KV", "Range", RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());
    static final MethodDescriptor<io.raftkv.api.v1.SnapshotRequest, io.raftkv.api.v1.SnapshotResponse> SNAPSHOT =
            MethodDescriptor.<io.raftkv.api.v1.SnapshotRequest, io.raftkv.api.v1.SnapshotResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName("raftkv.v1.Cluster", "Snapshot"))
                    .setRequestMarshaller(ProtoUtils.marshaller(io.raftkv.api.v1.SnapshotRequest.getDefaultInstance()))
                    .setResponseMarshaller(
                            ProtoUtils.marshaller(io.raftkv.api.v1.SnapshotResponse.getDefaultInstance()))
                    .build();
    static final MethodDescriptor<io.raftkv.api.v1.DeleteRequest, io.raftkv.api.v1.DeleteResponse> DELETE = unary(
            "raftkv.v1.KV",
            "Delete",
            io.raftkv.api.v1.DeleteRequest.getDefaultInstance(),
            io.raftkv.api.v1.DeleteResponse.getDefaultInstance());
    static final MethodDescriptor<io.raftkv.api.v1.AlarmListRequest, io.raftkv.api.v1.AlarmListResponse> ALARM_LIST =
            unary(
                    "raftkv.v1.Alarm",
                    "List",
                    io.raftkv.api.v1.AlarmListRequest.getDefaultInstance(),
                    io.raftkv.api.v1.AlarmListResponse.getDefaultInstance());
    static final MethodDescriptor<io.raftkv.api.v1.AlarmDisarmRequest, io.raftkv.api.v1.AlarmDisarmResponse>
            ALARM_DISARM = unary(
                    "raftkv.v1.Alarm",
                    "Disarm",
                    io.raftkv.api.v1.AlarmDisarmRequest.getDefaultInstance(),
                    io.raftkv.api.v1.AlarmDisarmResponse.getDefaultInstance());
    static final MethodDescriptor<StatusRequest, StatusResponse> STATUS = unary(
            "raftkv.v1.Cluster", "Status", StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());

    /** TLS client material towards one cluster's nodes (PEM). */
    record Credentials(String trustPem, String certificatePem, String keyPem) {
        String fingerprint() {
            return Integer.toHexString(java.util.Objects.hash(trustPem, certificatePem, keyPem));
        }
    }

    /** "target|fingerprint" → channel; a renewal makes a new entry, the old one is shut down. */
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    private final Function<String, Optional<Credentials>> credentials;

    /** Plaintext to every target. */
    NodeCalls() {
        this(target -> Optional.empty());
    }

    /**
     * TLS with the given client certificate towards the targets {@code credentials} knows, the
     * server's certificate checked against the CA bundle and the name {@code localhost} (which
     * every operator-issued member certificate carries; the pods are reached by address here).
     */
    NodeCalls(Function<String, Optional<Credentials>> credentials) {
        this.credentials = credentials;
    }

    PutResponse put(String target, PutRequest request, Duration deadline) {
        return call(target, PUT, request, deadline);
    }

    GetResponse get(String target, GetRequest request, Duration deadline) {
        return call(target, GET, request, deadline);
    }

    RangeResponse range(String target, RangeRequest request, Duration deadline) {
        return call(target, RANGE, request, deadline);
    }

    io.raftkv.api.v1.DeleteResponse delete(String target, io.raftkv.api.v1.DeleteRequest request, Duration deadline) {
        return call(target, DELETE, request, deadline);
    }

    io.raftkv.api.v1.AlarmListResponse alarmList(String target, Duration deadline) {
        return call(target, ALARM_LIST, io.raftkv.api.v1.AlarmListRequest.getDefaultInstance(), deadline);
    }

    io.raftkv.api.v1.AlarmDisarmResponse alarmDisarm(String target, Duration deadline) {
        return call(target, ALARM_DISARM, io.raftkv.api.v1.AlarmDisarmRequest.getDefaultInstance(), deadline);
    }

    StatusResponse status(String target, Duration deadline) {
        return call(target, STATUS, StatusRequest.getDefaultInstance(), deadline);
    }

    /** Whether the node refused because it does not lead (docs/api.md, "Errors"). */
    static boolean notLeader(StatusRuntimeException e) {
        return e.getTrailers() != null && "NOT_LEADER".equals(e.getTrailers().get(REASON));
    }

    /** The leader's client address from a NOT_LEADER answer, or "" when there is no hint. */
    static String leaderHint(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        if (trailers == null || !"NOT_LEADER".equals(trailers.get(REASON))) {
            return "";
        }
        String address = trailers.get(LEADER_ADDRESS);
        return address == null ? "" : address;
    }

    /**
     * Downloads a backup from the node at {@code target} into {@code file} (the data chunks in
     * order, as {@code raftkvctl snapshot save} writes them); returns the index it holds.
     */
    long snapshot(String target, java.nio.file.Path file, Duration deadline) throws java.io.IOException {
        var responses = ClientCalls.blockingServerStreamingCall(
                channel(target),
                SNAPSHOT,
                CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
                io.raftkv.api.v1.SnapshotRequest.getDefaultInstance());
        long index = -1;
        boolean trailer = false;
        try (var out = java.nio.file.Files.newOutputStream(file)) {
            while (responses.hasNext()) {
                var r = responses.next();
                switch (r.getPartCase()) {
                    case METADATA -> index = r.getMetadata().getIndex();
                    case CHUNK -> r.getChunk().getData().writeTo(out);
                    case TRAILER -> trailer = true;
                    default -> throw new IllegalStateException("empty snapshot message");
                }
            }
        }
        if (index < 0 || !trailer) {
            throw new IllegalStateException("snapshot stream without metadata or trailer");
        }
        return index;
    }

    private <Q, R> R call(String target, MethodDescriptor<Q, R> method, Q request, Duration deadline) {
        return ClientCalls.blockingUnaryCall(
                channel(target),
                method,
                CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
                request);
    }

    private ManagedChannel channel(String target) {
        Optional<Credentials> tls = credentials.apply(target);
        String key = target + "|" + tls.map(Credentials::fingerprint).orElse("");
        ManagedChannel channel = channels.computeIfAbsent(key, k -> {
            channels.keySet().stream()
                    .filter(old -> old.startsWith(target + "|"))
                    .forEach(old -> Optional.ofNullable(channels.remove(old)).ifPresent(ManagedChannel::shutdown));
            return tls.isEmpty()
                    ? Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                            .build()
                    : tlsChannel(target, tls.get());
        });
        return channel;
    }

    private static <Q extends com.google.protobuf.Message, R extends com.google.protobuf.Message>
            MethodDescriptor<Q, R> unary(String service, String method, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    private static ManagedChannel tlsChannel(String target, Credentials c) {
        try {
            ChannelCredentials creds = TlsChannelCredentials.newBuilder()
                    .trustManager(stream(c.trustPem()))
                    .keyManager(stream(c.certificatePem()), stream(c.keyPem()))
                    .build();
            return Grpc.newChannelBuilder(target, creds)
                    .overrideAuthority("localhost")
                    .build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static java.io.InputStream stream(String pem) {
        return new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
