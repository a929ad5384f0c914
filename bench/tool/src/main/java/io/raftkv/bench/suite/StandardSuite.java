package io.raftkv.bench.suite;

import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.WorkloadSpec;
import java.time.Duration;
import java.util.List;

/**
 * The suite of issue 8, modelled on etcd's own benchmark numbers ({@code etcd/tools/benchmark}):
 * 8-byte keys, 256-byte values, random keys over a preloaded key space.
 *
 * <ul>
 *   <li>{@code put-1c}: put, 1 client, 1 connection (latency)</li>
 *   <li>{@code put-1000c}: put, 1,000 clients over 100 connections (throughput)</li>
 *   <li>{@code get-linearizable-1000c}, {@code get-serializable-1000c}, {@code get-lease-1000c}:
 *       reads at 1,000 clients / 100 connections (etcd has no lease read: RaftKV only)</li>
 *   <li>{@code mix-90get-10put-1000c}: 90 % linearizable get, 10 % put, 1,000 clients / 100 connections</li>
 *   <li>{@code put-1000c-cpu-neighbour}: as {@code put-1000c}, with one CPU-hungry process per CPU running
 *       beside the systems (steadiness under CPU contention: leader changes, slowest persist)</li>
 * </ul>
 */
public final class StandardSuite {
    public static final int KEY_BYTES = 8;
    public static final int VALUE_BYTES = 256;
    public static final int MANY_CLIENTS = 1_000;
    public static final int MANY_CONNECTIONS = 100;

    private StandardSuite() {}

    /**
     * @param keySpace distinct keys (all preloaded before the reads)
     * @param seed     workload seed, printed with every result
     */
    public static List<Scenario> scenarios(long keySpace, Duration warmup, Duration duration, long seed) {
        LoadSpec one = LoadSpec.closed(1, warmup, duration);
        LoadSpec many = LoadSpec.closed(MANY_CLIENTS, warmup, duration);
        return List.of(
                new Scenario("put-1c", "put, 1 client", spec(100, ReadMode.LINEARIZABLE, keySpace, seed), one, 1),
                new Scenario(
                        "put-1000c",
                        "put, 1000 clients",
                        spec(100, ReadMode.LINEARIZABLE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS),
                new Scenario(
                        "get-linearizable-1000c",
                        "linearizable get, 1000 clients",
                        spec(0, ReadMode.LINEARIZABLE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS),
                new Scenario(
                        "get-serializable-1000c",
                        "serializable get, 1000 clients",
                        spec(0, ReadMode.SERIALIZABLE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS),
                new Scenario(
                        "get-lease-1000c",
                        "lease get, 1000 clients",
                        spec(0, ReadMode.LEASE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS),
                new Scenario(
                        "mix-90get-10put-1000c",
                        "90% get / 10% put, 1000 clients",
                        spec(10, ReadMode.LINEARIZABLE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS),
                new Scenario(
                        "put-1000c-cpu-neighbour",
                        "put, 1000 clients, CPU-hungry neighbour",
                        spec(100, ReadMode.LINEARIZABLE, keySpace, seed),
                        many,
                        MANY_CONNECTIONS,
                        Runtime.getRuntime().availableProcessors()));
    }

    /**
     * The unmeasured load every system gets after it starts and before the suite: 50 % put / 50 %
     * linearizable get, 256 clients over 32 connections. It brings a JVM server to steady state (JIT
     * compilation, caches), which etcd, compiled ahead of time, has from the start; both systems get
     * the same warm-up, and the bench client's own JVM warms up with it.
     */
    public static Scenario clusterWarmup(long keySpace, Duration duration, long seed) {
        return new Scenario(
                "cluster-warmup",
                "warm-up (not reported)",
                spec(50, ReadMode.LINEARIZABLE, keySpace, seed),
                LoadSpec.closed(256, Duration.ZERO, duration),
                32);
    }

    /** The short suite of {@code make bench-smoke}: a few seconds of each kind of operation. */
    public static List<Scenario> smoke(long keySpace, Duration warmup, Duration duration, long seed) {
        LoadSpec some = LoadSpec.closed(32, warmup, duration);
        return List.of(
                new Scenario(
                        "smoke-put-32c", "put, 32 clients", spec(100, ReadMode.LINEARIZABLE, keySpace, seed), some, 4),
                new Scenario(
                        "smoke-get-linearizable-32c",
                        "linearizable get, 32 clients",
                        spec(0, ReadMode.LINEARIZABLE, keySpace, seed),
                        some,
                        4),
                new Scenario(
                        "smoke-get-lease-32c",
                        "lease get, 32 clients",
                        spec(0, ReadMode.LEASE, keySpace, seed),
                        some,
                        4),
                new Scenario(
                        "smoke-get-serializable-32c",
                        "serializable get, 32 clients",
                        spec(0, ReadMode.SERIALIZABLE, keySpace, seed),
                        some,
                        4),
                new Scenario(
                        "smoke-mix-32c",
                        "90% get / 10% put, 32 clients",
                        spec(10, ReadMode.LINEARIZABLE, keySpace, seed),
                        some,
                        4));
    }

    static WorkloadSpec spec(int putPercent, ReadMode mode, long keySpace, long seed) {
        return new WorkloadSpec(putPercent, mode, keySpace, KEY_BYTES, VALUE_BYTES, KeyOrder.RANDOM, seed);
    }
}
