package io.raftkv.chaos.hostile;

import com.google.protobuf.MessageLite;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * gRPC over raw HTTP/2 streams (Vert.x's HTTP client, prior knowledge): what a hostile client
 * needs and a real gRPC client would not do — write without reading, open streams and leave them.
 */
final class RawGrpc {
    private RawGrpc() {}

    /** An HTTP/2 client whose pool keeps one connection per {@code connections}. */
    static HttpClient client(Vertx vertx, int connections) {
        return vertx.createHttpClient(
                new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false)
                        .setConnectTimeout(2_000),
                new PoolOptions().setHttp2MaxSize(connections));
    }

    /** Opens a gRPC call to {@code method} ({@code /pkg.Service/Method}); its response is paused if {@code neverRead}. */
    static Future<HttpClientRequest> open(HttpClient http, int port, String method, boolean neverRead) {
        return http.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI(method))
                .map(req -> {
                    req.putHeader("content-type", "application/grpc")
                            .putHeader("te", "trailers")
                            .setChunked(true);
                    req.response().onSuccess(r -> {
                        if (neverRead) {
                            r.pause();
                        } else {
                            r.handler(b -> {}).exceptionHandler(e -> {});
                        }
                    });
                    req.exceptionHandler(e -> {});
                    req.sendHead();
                    return req;
                });
    }

    static Buffer frame(MessageLite message) {
        return frame(message.toByteArray());
    }

    static Buffer frame(byte[] bytes) {
        return Buffer.buffer(bytes.length + 5)
                .appendByte((byte) 0)
                .appendInt(bytes.length)
                .appendBytes(bytes);
    }
}
