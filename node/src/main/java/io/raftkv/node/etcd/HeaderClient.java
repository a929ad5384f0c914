package io.raftkv.node.etcd;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.Address;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.ServiceMethod;
import java.util.Map;

/**
 * A view of a gRPC client that sets fixed headers on every call it opens (the forwarded caller's
 * identity and the forwarded mark, {@link EtcdPutStreams}). Closing the view leaves the client open:
 * its owner closes it.
 */
final class HeaderClient implements GrpcClient {
    private final GrpcClient client;
    private final Map<String, String> headers;

    HeaderClient(GrpcClient client, Map<String, String> headers) {
        this.client = client;
        this.headers = Map.copyOf(headers);
    }

    @Override
    public Future<GrpcClientRequest<Buffer, Buffer>> request(Address server) {
        return client.request(server).map(this::withHeaders);
    }

    @Override
    public Future<GrpcClientRequest<Buffer, Buffer>> request() {
        return client.request().map(this::withHeaders);
    }

    @Override
    public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(Address server, ServiceMethod<Resp, Req> method) {
        return client.request(server, method).map(this::withHeaders);
    }

    @Override
    public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(ServiceMethod<Resp, Req> method) {
        return client.request(method).map(this::withHeaders);
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    private <Req, Resp> GrpcClientRequest<Req, Resp> withHeaders(GrpcClientRequest<Req, Resp> req) {
        headers.forEach((name, value) -> req.headers().set(name, value));
        return req;
    }
}
