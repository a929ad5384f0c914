package io.raftkv.api.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * M independent gRPC clients, each holding at most one HTTP/2 connection per node. Calls are spread
 * over them round-robin, so a benchmark that wants N concurrent calls over M connections builds a
 * client with {@code connections(M)} and issues N calls at once (HTTP/2 multiplexes the streams).
 */
final class Connections {
    private final List<GrpcClient> clients;
    private final AtomicInteger next = new AtomicInteger();

    Connections(Vertx vertx, int count, int connectTimeoutMillis, long maxMessageBytes) {
        if (count < 1 || count > 1024) {
            throw new IllegalArgumentException("connections must be within 1..1024, got " + count);
        }
        List<GrpcClient> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            HttpClientOptions http = new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false)
                    .setConnectTimeout(connectTimeoutMillis)
                    .setTcpNoDelay(true);
            GrpcClientOptions grpc = new GrpcClientOptions().setMaxMessageSize(maxMessageBytes);
            list.add(GrpcClient.client(vertx, grpc, http));
        }
        this.clients = List.copyOf(list);
    }

    GrpcClient next() {
        return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
    }

    int size() {
        return clients.size();
    }

    Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>(clients.size());
        for (GrpcClient c : clients) {
            closing.add(c.close());
        }
        return Future.join(closing).mapEmpty();
    }
}
