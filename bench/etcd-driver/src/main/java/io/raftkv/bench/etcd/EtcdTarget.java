package io.raftkv.bench.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.GetOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.spi.TargetOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd through jetcd, the way etcd's own benchmark tool loads it: {@code connections} independent
 * jetcd clients (one gRPC channel, hence one HTTP/2 connection, each), every one of them given all
 * endpoints and jetcd's default round-robin balancing, and calls spread over the clients
 * round-robin.
 *
 * <p>Deadlines: every gRPC call gets the options' deadline through a client interceptor (sent as
 * {@code grpc-timeout}, enforced by grpc-java, which cancels the stream); jetcd's own retries are
 * capped at the same duration, and a local timer fails any call still open after it with
 * DEADLINE_EXCEEDED. Reads: LINEARIZABLE is etcd's default range, SERIALIZABLE sets
 * {@code serializable=true}; etcd has no lease read, so LEASE is unsupported.
 */
final class EtcdTarget implements Target {
    /** Completions of every client run on these threads; they only record and issue the next call. */
    private static final int CALLBACK_THREADS = 4;

    private final List<Client> clients = new ArrayList<>();
    private final KV[] kvs;
    private final AtomicInteger nextClient = new AtomicInteger();
    private final ExecutorService callbacks;
    private final long deadlineMillis;
    private final GetOption linearizable =
            GetOption.builder().withSerializable(false).build();
    private final GetOption serializable =
            GetOption.builder().withSerializable(true).build();
    private final String description;

    EtcdTarget(TargetOptions options) {
        this.deadlineMillis = options.deadline().toMillis();
        AtomicInteger threadNumber = new AtomicInteger();
        this.callbacks = Executors.newFixedThreadPool(CALLBACK_THREADS, r -> {
            Thread t = new Thread(r, "etcd-driver-callbacks-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        String[] endpoints =
                options.endpoints().stream().map(e -> "http://" + e).toArray(String[]::new);
        ClientInterceptor withDeadline = new DeadlineInterceptor(deadlineMillis);
        try {
            for (int i = 0; i < options.connections(); i++) {
                clients.add(Client.builder()
                        .endpoints(endpoints)
                        .executorService(callbacks)
                        .interceptor(withDeadline)
                        .retryMaxDuration(options.deadline())
                        .build());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.kvs = clients.stream().map(Client::getKVClient).toArray(KV[]::new);
        this.description = "etcd via jetcd " + jetcdVersion() + ", " + options.connections()
                + " clients (one channel each) over " + options.endpoints();
    }

    @Override
    public CompletionStage<Void> put(byte[] key, byte[] value) {
        return finish(nextKv().put(ByteSequence.from(key), ByteSequence.from(value)));
    }

    @Override
    public CompletionStage<Void> get(byte[] key, ReadMode mode) {
        GetOption option = switch (mode) {
            case LINEARIZABLE -> linearizable;
            case SERIALIZABLE -> serializable;
            case LEASE -> null;
        };
        if (option == null) {
            return CompletableFuture.failedFuture(
                    new TargetCallException("UNIMPLEMENTED", "etcd has no lease read", null));
        }
        return finish(nextKv().get(ByteSequence.from(key), option));
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
        for (Client c : clients) {
            c.close();
        }
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KV nextKv() {
        return kvs[Math.floorMod(nextClient.getAndIncrement(), kvs.length)];
    }

    /** Drops the response, bounds the call by the deadline and translates failures. */
    private CompletionStage<Void> finish(CompletableFuture<?> call) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        call.orTimeout(deadlineMillis, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e == null) {
                out.complete(null);
            } else {
                out.completeExceptionally(translate(e));
            }
        });
        return out;
    }

    /** jetcd's version, written into driver.properties at build time (jetcd's jar does not carry it). */
    private static String jetcdVersion() {
        try (java.io.InputStream in = EtcdTarget.class.getResourceAsStream("driver.properties")) {
            if (in == null) {
                return "(unknown version)";
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("jetcd.version", "(unknown version)");
        } catch (java.io.IOException e) {
            return "(unknown version)";
        }
    }

    static TargetCallException translate(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof EtcdException ee) {
            return new TargetCallException(ee.getErrorCode().name(), String.valueOf(ee.getMessage()), ee);
        }
        if (t instanceof StatusRuntimeException sre) {
            return new TargetCallException(sre.getStatus().getCode().name(), String.valueOf(sre.getMessage()), sre);
        }
        if (t instanceof StatusException se) {
            return new TargetCallException(se.getStatus().getCode().name(), String.valueOf(se.getMessage()), se);
        }
        if (t instanceof TimeoutException) {
            return new TargetCallException("DEADLINE_EXCEEDED", "no answer within the deadline", t);
        }
        return new TargetCallException("UNKNOWN", t.getClass().getName() + ": " + t.getMessage(), t);
    }

    /** Gives every call a deadline unless it already has one. */
    private static final class DeadlineInterceptor implements ClientInterceptor {
        private final long deadlineMillis;

        DeadlineInterceptor(long deadlineMillis) {
            this.deadlineMillis = deadlineMillis;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
                MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
            CallOptions options = callOptions.getDeadline() == null
                    ? callOptions.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                    : callOptions;
            return next.newCall(method, options);
        }
    }
}
