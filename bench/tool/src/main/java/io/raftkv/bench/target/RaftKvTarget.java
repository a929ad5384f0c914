package io.raftkv.bench.target;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.spi.TargetOptions;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * RaftKV through its own Java client ({@link RaftKvClient}): one client instance, {@code
 * connections} HTTP/2 connections per node, the client's default retry policy and sessions on
 * (every write is exactly-once, as an application would run it). Completions run on the client's
 * event loops.
 */
public final class RaftKvTarget implements Target {
    private final RaftKvClient client;
    /** How long opening the connections may take (a cold client, TLS, a loaded machine). */
    private static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofMinutes(2);

    private final String description;
    private final long connectMillis;

    /** @param pipelining whether the client pipelines calls (its default) or sends each as a unary call */
    public RaftKvTarget(TargetOptions options, boolean pipelining) {
        this(options, pipelining, null);
    }

    /** As above, over TLS with {@code credentialsOrNull} when given. */
    public RaftKvTarget(TargetOptions options, boolean pipelining, ClientCredentials credentialsOrNull) {
        this.client = RaftKvClient.builder()
                .endpoints(options.endpoints().stream().map(Endpoint::parse).collect(Collectors.toList()))
                .connections(options.connections())
                .deadline(options.deadline())
                .attemptTimeout(options.deadline())
                .pipelining(pipelining)
                .credentials(credentialsOrNull)
                .build();
        // Every connection open before the load (TLS: handshakes done), as a long-running application's
        // would be: the measured window is the system's steady state, not its clients' start-up.
        long started = System.nanoTime();
        try {
            client.connect(CONNECT_TIMEOUT)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting", e);
        } catch (java.util.concurrent.ExecutionException e) {
            client.close();
            throw new IllegalStateException("cannot open the client's connections: " + e.getCause(), e.getCause());
        }
        this.connectMillis = (System.nanoTime() - started) / 1_000_000;
        this.description = "raftkv via RaftKvClient (" + (pipelining ? "pipelined" : "unary") + " calls"
                + (credentialsOrNull == null ? "" : ", TLS with a client certificate") + "), "
                + options.connections() + " connections per node to " + options.endpoints() + ", opened in "
                + connectMillis + " ms before the load";
    }

    @Override
    public CompletionStage<Void> put(byte[] key, byte[] value) {
        // unsafeWrap: the Target contract says key and value are never modified after the call.
        try {
            return finish(client.put(PutRequest.newBuilder()
                    .setKey(wrap(key))
                    .setValue(wrap(value))
                    .build()));
        } catch (RuntimeException e) {
            // e.g. the client was closed: the Target contract is a failed stage, never a throw.
            return CompletableFuture.failedFuture(translate(e));
        }
    }

    @Override
    public CompletionStage<Void> get(byte[] key, ReadMode mode) {
        ReadConsistency consistency = switch (mode) {
            case LINEARIZABLE -> ReadConsistency.LINEARIZABLE;
            case LEASE -> ReadConsistency.LEASE;
            case SERIALIZABLE -> ReadConsistency.SERIALIZABLE;
        };
        try {
            return finish(client.get(GetRequest.newBuilder()
                    .setKey(wrap(key))
                    .setConsistency(consistency)
                    .build()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(translate(e));
        }
    }

    @Override
    public boolean supports(ReadMode mode) {
        return true;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        client.close();
    }

    private static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    private static CompletionStage<Void> finish(Future<?> call) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        call.onComplete(ar -> {
            if (ar.succeeded()) {
                out.complete(null);
            } else {
                out.completeExceptionally(translate(ar.cause()));
            }
        });
        return out;
    }

    static TargetCallException translate(Throwable t) {
        if (t instanceof RaftKvException e) {
            String reason = e.reason().map(r -> " [" + r.name() + "]").orElse("");
            return new TargetCallException(e.status().name(), e.getMessage() + reason, e);
        }
        return new TargetCallException("UNKNOWN", t.getClass().getName() + ": " + t.getMessage(), t);
    }
}
