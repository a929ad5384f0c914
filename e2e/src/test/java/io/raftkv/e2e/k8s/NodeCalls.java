package io.raftkv.e2e.k8s;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls to nodes over grpc-java on {@code raftkv-api}'s protobuf messages (the method
 * descriptors are built here, so none of the api module's Vert.x client is loaded; the mock API
 * server in this JVM runs on Vert.x 4). One cached plaintext channel per {@code host:port};
 * every call has a deadline.
 */
final class NodeCalls implements AutoCloseable {

  static final Metadata.Key<String> REASON =
      Metadata.Key.of("raftkv-error-reason", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> LEADER_ADDRESS =
      Metadata.Key.of("raftkv-leader-address", Metadata.ASCII_STRING_MARSHALLER);

  static final MethodDescriptor<PutRequest, PutResponse> PUT =
      unary("raftkv.v1.KV", "Put", PutRequest.getDefaultInstance(), PutResponse.getDefaultInstance());
  static final MethodDescriptor<GetRequest, GetResponse> GET =
      unary("raftkv.v1.KV", "Get", GetRequest.getDefaultInstance(), GetResponse.getDefaultInstance());
  static final MethodDescriptor<RangeRequest, RangeResponse> RANGE = unary("raftkv.v1.KV", "Range",
      RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());
  static final MethodDescriptor<StatusRequest, StatusResponse> STATUS = unary("raftkv.v1.Cluster",
      "Status", StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());

  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  PutResponse put(String target, PutRequest request, Duration deadline) {
    return call(target, PUT, request, deadline);
  }

  GetResponse get(String target, GetRequest request, Duration deadline) {
    return call(target, GET, request, deadline);
  }

  RangeResponse range(String target, RangeRequest request, Duration deadline) {
    return call(target, RANGE, request, deadline);
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

  private <Q, R> R call(String target, MethodDescriptor<Q, R> method, Q request,
      Duration deadline) {
    ManagedChannel channel = channels.computeIfAbsent(target, t ->
        Grpc.newChannelBuilder(t, InsecureChannelCredentials.create()).build());
    return ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS), request);
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

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
