package io.raftkv.api.client;

import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Configures a {@link RaftKvClient}. Every setting is validated in {@link #build()} (or at once),
 * with a message that names the setting and the accepted range.
 */
public final class RaftKvClientBuilder {
    /** Default deadline of every call. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);
    /** Default cap on one attempt, so a retry fits in the deadline after a node hangs. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    /** Default bound on concurrent session writes (one session lane each). */
    public static final int DEFAULT_MAX_CONCURRENT_WRITES = 4096;
    /** Default largest response accepted, matching the node's request limit plus headroom. */
    public static final long DEFAULT_MAX_MESSAGE_BYTES = 16L * 1024 * 1024;

    private List<Endpoint> endpoints;
    private Duration deadline = DEFAULT_DEADLINE;
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private boolean sessionsEnabled = true;
    private int maxConcurrentWrites = DEFAULT_MAX_CONCURRENT_WRITES;
    private int connections = 1;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private boolean pipelining = true;
    private Vertx vertx;
    private ClientCredentials credentials;
    private LongSupplier clientIdSource = new SecureRandom()::nextLong;
    private DoubleSupplier random01 = () -> ThreadLocalRandom.current().nextDouble();

    RaftKvClientBuilder() {}

    /** Seed endpoints (client ports); the first is tried first. Required, non-empty. */
    public RaftKvClientBuilder endpoints(List<Endpoint> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint is required");
        }
        this.endpoints = List.copyOf(endpoints);
        return this;
    }

    /** Seed endpoints as {@code host:port,host:port}. */
    public RaftKvClientBuilder endpoints(String commaSeparated) {
        return endpoints(Endpoint.parseList(commaSeparated));
    }

    /** Deadline of each call, covering all of its attempts. 1 ms .. 1 h; default 5 s. */
    public RaftKvClientBuilder deadline(Duration deadline) {
        this.deadline = checkRange("deadline", deadline, Duration.ofMillis(1), Duration.ofHours(1));
        return this;
    }

    /** Cap on a single attempt (clipped to the time left). 1 ms .. 1 h; default 2 s. */
    public RaftKvClientBuilder attemptTimeout(Duration attemptTimeout) {
        this.attemptTimeout = checkRange("attemptTimeout", attemptTimeout, Duration.ofMillis(1), Duration.ofHours(1));
        return this;
    }

    public RaftKvClientBuilder retryPolicy(RetryPolicy retryPolicy) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
        return this;
    }

    /**
     * Whether writes get a session automatically (default true). Without one, a write that timed
     * out is not retried and fails with {@code isOutcomeUnknown()}.
     */
    public RaftKvClientBuilder sessions(boolean enabled) {
        this.sessionsEnabled = enabled;
        return this;
    }

    /** Bound on session writes in flight at once (each needs its own session). 1 .. 1,000,000. */
    public RaftKvClientBuilder maxConcurrentWrites(int n) {
        if (n < 1 || n > 1_000_000) {
            throw new IllegalArgumentException("maxConcurrentWrites " + n + " is outside 1..1000000");
        }
        this.maxConcurrentWrites = n;
        return this;
    }

    /**
     * Number of independent HTTP/2 connections per node (default 1). Calls are spread round-robin;
     * a benchmark driving N concurrent calls over M connections sets M here. 1 .. 1024.
     */
    public RaftKvClientBuilder connections(int m) {
        if (m < 1 || m > 1024) {
            throw new IllegalArgumentException("connections " + m + " is outside 1..1024");
        }
        this.connections = m;
        return this;
    }

    /**
     * Whether Put, Get, Delete, CompareAndSet and Txn calls travel pipelined, many to one long-lived
     * {@code KV.Pipeline} stream per connection and node (default true), or each as its own unary
     * gRPC call. Both give the same answers, errors, deadlines and retries; pipelining spends far
     * less CPU per call on both ends. Requests over 64 KiB and Range are always unary; a node
     * without {@code KV.Pipeline} (an older version) gets unary calls; and with
     * {@link #maxMessageBytes} below {@link io.raftkv.api.PipelineLimits#MIN_CLIENT_MESSAGE_BYTES}
     * every call is unary. Turn it off to compare, or behind a proxy that does not pass long-lived
     * gRPC streams.
     */
    public RaftKvClientBuilder pipelining(boolean enabled) {
        this.pipelining = enabled;
        return this;
    }

    /** Largest response message accepted. 1 KiB .. 1 GiB; default 16 MiB. */
    public RaftKvClientBuilder maxMessageBytes(long bytes) {
        if (bytes < 1024 || bytes > (1L << 30)) {
            throw new IllegalArgumentException("maxMessageBytes " + bytes + " is outside 1024..1073741824");
        }
        this.maxMessageBytes = bytes;
        return this;
    }

    /**
     * Runs on the caller's Vert.x instance (not closed by the client). By default the client
     * creates its own and closes it in {@link RaftKvClient#close()}.
     */
    public RaftKvClientBuilder vertx(Vertx vertx) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        return this;
    }

    /** Source of session client ids (default: SecureRandom); tests fix it to replay a run. */
    public RaftKvClientBuilder clientIdSource(LongSupplier source) {
        this.clientIdSource = Objects.requireNonNull(source, "clientIdSource");
        return this;
    }

    /** Source of backoff jitter in [0, 1) (default: ThreadLocalRandom); tests fix it. */
    public RaftKvClientBuilder random(DoubleSupplier random01) {
        this.random01 = Objects.requireNonNull(random01, "random");
        return this;
    }

    /** TLS (and credentials) for nodes whose client port has {@code --tls on}; null: plaintext (the default). */
    public RaftKvClientBuilder credentials(ClientCredentials credentialsOrNull) {
        this.credentials = credentialsOrNull;
        return this;
    }

    public RaftKvClient build() {
        if (endpoints == null) {
            throw new IllegalStateException("endpoints are required (e.g. 127.0.0.1:9090)");
        }
        boolean owns = vertx == null;
        Vertx v = owns ? Vertx.vertx() : vertx;
        try {
            return new RaftKvClient(this, v, owns);
        } catch (RuntimeException e) { // e.g. unusable TLS files (ClientCredentials.load): no Vert.x left running
            if (owns) {
                v.close();
            }
            throw e;
        }
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    boolean pipelining() {
        return pipelining;
    }

    Duration deadline() {
        return deadline;
    }

    Duration attemptTimeout() {
        return attemptTimeout;
    }

    RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    boolean sessionsEnabled() {
        return sessionsEnabled;
    }

    int maxConcurrentWrites() {
        return maxConcurrentWrites;
    }

    int connections() {
        return connections;
    }

    long maxMessageBytes() {
        return maxMessageBytes;
    }

    ClientCredentials credentials() {
        return credentials;
    }

    LongSupplier clientIdSource() {
        return clientIdSource;
    }

    DoubleSupplier random01() {
        return random01;
    }

    private static Duration checkRange(String name, Duration d, Duration min, Duration max) {
        Objects.requireNonNull(d, name);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " " + d + " is outside " + min + ".." + max);
        }
        return d;
    }
}
