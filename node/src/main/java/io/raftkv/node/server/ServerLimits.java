package io.raftkv.node.server;

import io.raftkv.node.kv.Command;
import io.raftkv.node.net.ListenerLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the client-facing server. Every queue and every wait the server has is bounded by one
 * of these; each violation answers with a status and a message that names the limit (the flag
 * name in parentheses), so an operator knows what to raise. Validated up front by
 * {@link #validate()}.
 *
 * @param maxKeyBytes           largest key accepted (≤ {@link Command#MAX_KEY_BYTES}); INVALID_ARGUMENT beyond
 * @param maxValueBytes         largest value accepted (≤ {@link Command#MAX_VALUE_BYTES}); INVALID_ARGUMENT beyond
 * @param maxRequestBytes       largest serialized request message; INVALID_ARGUMENT beyond. Messages
 *                              larger than twice this are refused by the gRPC layer itself
 *                              (RESOURCE_EXHAUSTED) without being buffered
 * @param maxRangeLimit         most keys one Range returns; {@code limit = 0} means this, a larger
 *                              limit is INVALID_ARGUMENT
 * @param maxRangeResponseBytes a Range stops early (with {@code more = true}) once the keys and
 *                              values it collected exceed this many bytes; at least one key is
 *                              always returned
 * @param maxTxnCompares        most compares in one Txn (≤ {@link Command#MAX_TXN_COMPARES})
 * @param maxTxnOps             most operations in one Txn branch (≤ {@link Command#MAX_TXN_OPS})
 * @param defaultDeadline       deadline of a call whose client sent no {@code grpc-timeout}
 * @param maxDeadline           a longer client deadline is shortened to this, so no call holds
 *                              server resources for longer
 * @param maxInFlightCalls      client calls (all methods) being served at once; RESOURCE_EXHAUSTED beyond
 * @param maxConcurrentReads    state-machine reads queued or running on the read pool; RESOURCE_EXHAUSTED beyond
 * @param readThreads           threads of the read pool (reads block on RocksDB, so they run there,
 *                              never on an event loop)
 * @param maxHealthWatchers     open {@code grpc.health.v1.Health/Watch} streams; RESOURCE_EXHAUSTED beyond
 * @param statusPollInterval    how often the server samples the node's status to push health
 *                              changes to watchers and count leader changes
 * @param responses             memory that responses not yet read by their clients may hold, per
 *                              connection and per node
 * @param connections           connection caps and timeouts of the client port
 * @param maxSnapshotDownload   a {@code Cluster.SnapshotDownload} runs as long as its client's
 *                              deadline, at most this long (also without a deadline)
 */
public record ServerLimits(
        int maxKeyBytes,
        int maxValueBytes,
        int maxRequestBytes,
        int maxRangeLimit,
        long maxRangeResponseBytes,
        int maxTxnCompares,
        int maxTxnOps,
        Duration defaultDeadline,
        Duration maxDeadline,
        int maxInFlightCalls,
        int maxConcurrentReads,
        int readThreads,
        int maxHealthWatchers,
        Duration statusPollInterval,
        ResponseLimits responses,
        ListenerLimits connections,
        Duration maxSnapshotDownload) {

    public ServerLimits {
        Objects.requireNonNull(maxSnapshotDownload, "maxSnapshotDownload");
        Objects.requireNonNull(responses, "responses");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(defaultDeadline, "defaultDeadline");
        Objects.requireNonNull(maxDeadline, "maxDeadline");
        Objects.requireNonNull(statusPollInterval, "statusPollInterval");
    }

    /** The defaults NodeMain uses unless flags say otherwise. */
    public static ServerLimits defaults() {
        return new ServerLimits(
                Command.MAX_KEY_BYTES,
                Command.MAX_VALUE_BYTES,
                2 * 1024 * 1024,
                10_000,
                4L * 1024 * 1024,
                Command.MAX_TXN_COMPARES,
                Command.MAX_TXN_OPS,
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                10_000,
                1_024,
                4,
                256,
                Duration.ofMillis(100),
                ResponseLimits.defaults(),
                ListenerLimits.clientDefaults(),
                Duration.ofHours(1));
    }

    /**
     * @return this, when every limit is usable
     * @throws IllegalArgumentException naming the first field that is not
     */
    public ServerLimits validate() {
        requireRange("maxKeyBytes", maxKeyBytes, 1, Command.MAX_KEY_BYTES);
        requireRange("maxValueBytes", maxValueBytes, 0, Command.MAX_VALUE_BYTES);
        requireRange("maxRequestBytes", maxRequestBytes, maxKeyBytes + maxValueBytes, Integer.MAX_VALUE / 2);
        requireRange("maxRangeLimit", maxRangeLimit, 1, 1_000_000);
        requireRange("maxRangeResponseBytes", maxRangeResponseBytes, 1, Integer.MAX_VALUE);
        requireRange("maxTxnCompares", maxTxnCompares, 0, Command.MAX_TXN_COMPARES);
        requireRange("maxTxnOps", maxTxnOps, 1, Command.MAX_TXN_OPS);
        requirePositive("defaultDeadline", defaultDeadline);
        requirePositive("maxDeadline", maxDeadline);
        if (defaultDeadline.compareTo(maxDeadline) > 0) {
            throw new IllegalArgumentException(
                    "defaultDeadline (" + defaultDeadline + ") must not exceed maxDeadline (" + maxDeadline + ")");
        }
        requireRange("maxInFlightCalls", maxInFlightCalls, 1, 10_000_000);
        requireRange("maxConcurrentReads", maxConcurrentReads, 1, 10_000_000);
        requireRange("readThreads", readThreads, 1, 1_024);
        requireRange("maxHealthWatchers", maxHealthWatchers, 0, 100_000);
        requirePositive("statusPollInterval", statusPollInterval);
        responses.validate();
        connections.validate();
        requirePositive("maxSnapshotDownload", maxSnapshotDownload);
        return this;
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }

    public ServerLimits withMaxInFlightCalls(int v) {
        return copy(b -> b.maxInFlightCalls = v);
    }

    public ServerLimits withMaxConcurrentReads(int v) {
        return copy(b -> b.maxConcurrentReads = v);
    }

    public ServerLimits withDefaultDeadline(Duration v) {
        return copy(b -> b.defaultDeadline = v);
    }

    public ServerLimits withMaxHealthWatchers(int v) {
        return copy(b -> b.maxHealthWatchers = v);
    }

    public ServerLimits withStatusPollInterval(Duration v) {
        return copy(b -> b.statusPollInterval = v);
    }

    public ServerLimits withRangeLimits(int maxRangeLimit, long maxRangeResponseBytes) {
        return copy(b -> {
            b.maxRangeLimit = maxRangeLimit;
            b.maxRangeResponseBytes = maxRangeResponseBytes;
        });
    }

    public ServerLimits withSizes(int maxKeyBytes, int maxValueBytes, int maxRequestBytes) {
        return copy(b -> {
            b.maxKeyBytes = maxKeyBytes;
            b.maxValueBytes = maxValueBytes;
            b.maxRequestBytes = maxRequestBytes;
        });
    }

    public ServerLimits withResponses(ResponseLimits v) {
        return copy(b -> b.responses = v);
    }

    public ServerLimits withConnections(ListenerLimits v) {
        return copy(b -> b.connections = v);
    }

    public ServerLimits withMaxSnapshotDownload(Duration v) {
        return copy(b -> b.maxSnapshotDownload = v);
    }

    /** The one way a {@code with...} method changes components: a mutable copy of all of them. */
    private ServerLimits copy(java.util.function.Consumer<Copy> change) {
        Copy b = new Copy(this);
        change.accept(b);
        return b.build();
    }

    /** Every component of a {@link ServerLimits}, mutable, for {@link #copy}. */
    private static final class Copy {
        int maxKeyBytes;
        int maxValueBytes;
        int maxRequestBytes;
        int maxRangeLimit;
        long maxRangeResponseBytes;
        int maxTxnCompares;
        int maxTxnOps;
        Duration defaultDeadline;
        Duration maxDeadline;
        int maxInFlightCalls;
        int maxConcurrentReads;
        int readThreads;
        int maxHealthWatchers;
        Duration statusPollInterval;
        ResponseLimits responses;
        ListenerLimits connections;
        Duration maxSnapshotDownload;

        Copy(ServerLimits r) {
            maxKeyBytes = r.maxKeyBytes;
            maxValueBytes = r.maxValueBytes;
            maxRequestBytes = r.maxRequestBytes;
            maxRangeLimit = r.maxRangeLimit;
            maxRangeResponseBytes = r.maxRangeResponseBytes;
            maxTxnCompares = r.maxTxnCompares;
            maxTxnOps = r.maxTxnOps;
            defaultDeadline = r.defaultDeadline;
            maxDeadline = r.maxDeadline;
            maxInFlightCalls = r.maxInFlightCalls;
            maxConcurrentReads = r.maxConcurrentReads;
            readThreads = r.readThreads;
            maxHealthWatchers = r.maxHealthWatchers;
            statusPollInterval = r.statusPollInterval;
            responses = r.responses;
            connections = r.connections;
            maxSnapshotDownload = r.maxSnapshotDownload;
        }

        ServerLimits build() {
            return new ServerLimits(
                    maxKeyBytes,
                    maxValueBytes,
                    maxRequestBytes,
                    maxRangeLimit,
                    maxRangeResponseBytes,
                    maxTxnCompares,
                    maxTxnOps,
                    defaultDeadline,
                    maxDeadline,
                    maxInFlightCalls,
                    maxConcurrentReads,
                    readThreads,
                    maxHealthWatchers,
                    statusPollInterval,
                    responses,
                    connections,
                    maxSnapshotDownload);
        }
    }
}
