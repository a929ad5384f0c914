package io.raftkv.bench.etcd;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.spi.TargetOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd driven the way etcd's own {@code benchmark} tool drives it: one unary gRPC call per
 * operation on plain grpc-java stubs generated from etcd's published protos (the {@code KV} service
 * stubs shipped in jetcd's grpc artifact), no client library in between — no retries, no
 * {@code ByteSequence} copies, no futures chained through an executor.
 *
 * <p>Connection model, as in {@code benchmark --conns M --clients N}: {@code connections} clients,
 * each holding one HTTP/2 connection to every endpoint and spreading its calls over them
 * round-robin (clientv3's round-robin balancer); concurrent operations are spread over the clients
 * round-robin, so N load-generator clients share M connections as the tool's N goroutines share its
 * M clients. Callbacks run directly on the channels' Netty event loops (as many as the machine has
 * cores, shared by all channels); they only complete a future, on which the load generator issues
 * the next call without blocking.
 *
 * <p>With {@link TargetOptions#tls()} every connection is mutual TLS (a real handshake with the
 * client certificate, as {@code benchmark --cacert --cert --key}).
 *
 * <p>Every call carries the options' deadline (grpc-java sends it as {@code grpc-timeout} and
 * cancels the stream when it passes). Reads: LINEARIZABLE is etcd's default range, SERIALIZABLE sets
 * {@code serializable=true}; etcd has no lease read.
 */
final class EtcdGrpcTarget implements Target {
    private final EventLoopGroup loops;
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** stubs[client][endpoint]. */
    private final KVGrpc.KVStub[][] stubs;

    private final AtomicInteger[] nextEndpoint;
    private final AtomicInteger nextClient = new AtomicInteger();
    private final long deadlineMillis;
    private final String description;

    EtcdGrpcTarget(TargetOptions options) {
        this.deadlineMillis = options.deadline().toMillis();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.loops = new NioEventLoopGroup(threads, r -> {
            Thread t = new Thread(r, "etcd-grpc-driver");
            t.setDaemon(true);
            return t;
        });
        List<String> endpoints = options.endpoints();
        SslContext ssl = sslContext(options.tls());
        this.stubs = new KVGrpc.KVStub[options.connections()][endpoints.size()];
        this.nextEndpoint = new AtomicInteger[options.connections()];
        try {
            for (int c = 0; c < options.connections(); c++) {
                nextEndpoint[c] = new AtomicInteger(c);
                for (int e = 0; e < endpoints.size(); e++) {
                    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(endpoints.get(e))
                            .eventLoopGroup(loops)
                            .channelType(NioSocketChannel.class)
                            .directExecutor()
                            .maxInboundMessageSize(16 << 20);
                    if (ssl != null) {
                        builder.sslContext(ssl);
                    } else {
                        builder.usePlaintext();
                    }
                    ManagedChannel channel = builder.build();
                    channels.add(channel);
                    stubs[c][e] = KVGrpc.newStub(channel);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.description = "etcd via plain grpc-java stubs (etcd's protos), one unary call per operation, "
                + options.connections() + " connections (each one HTTP/2 connection to every member) over " + endpoints
                + (ssl != null
                        ? ", mutual TLS (client certificate " + options.tls().certFile() + ")"
                        : "");
    }

    /** A client TLS context: trusts the CA file, presents the client certificate; null for plaintext. */
    private static SslContext sslContext(TargetOptions.Tls tls) {
        if (tls == null) {
            return null;
        }
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(tls.caFile().toFile())
                    .keyManager(tls.certFile().toFile(), tls.keyFile().toFile())
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalArgumentException("cannot read the TLS files " + tls + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CompletionStage<Void> put(byte[] key, byte[] value) {
        Call<io.etcd.jetcd.api.PutResponse> call = new Call<>();
        nextStub()
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .put(
                        PutRequest.newBuilder()
                                .setKey(ByteString.copyFrom(key))
                                .setValue(ByteString.copyFrom(value))
                                .build(),
                        call);
        return call;
    }

    @Override
    public CompletionStage<Void> get(byte[] key, ReadMode mode) {
        if (mode == ReadMode.LEASE) {
            return CompletableFuture.failedFuture(
                    new TargetCallException("UNIMPLEMENTED", "etcd has no lease read", null));
        }
        Call<io.etcd.jetcd.api.RangeResponse> call = new Call<>();
        nextStub()
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .range(
                        RangeRequest.newBuilder()
                                .setKey(ByteString.copyFrom(key))
                                .setSerializable(mode == ReadMode.SERIALIZABLE)
                                .build(),
                        call);
        return call;
    }

    @Override
    public boolean supports(ReadMode mode) {
        return mode != ReadMode.LEASE;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private KVGrpc.KVStub nextStub() {
        int client = Math.floorMod(nextClient.getAndIncrement(), stubs.length);
        KVGrpc.KVStub[] perEndpoint = stubs[client];
        return perEndpoint[Math.floorMod(nextEndpoint[client].getAndIncrement(), perEndpoint.length)];
    }

    /** One call's response observer and its outcome: completes once, with the status code on failure. */
    private static final class Call<R> extends CompletableFuture<Void> implements StreamObserver<R> {
        @Override
        public void onNext(R value) {
            // the response's content is not needed; completion comes with onCompleted
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            completeExceptionally(new TargetCallException(s.getCode().name(), String.valueOf(s.getDescription()), t));
        }

        @Override
        public void onCompleted() {
            complete(null);
        }
    }
}
