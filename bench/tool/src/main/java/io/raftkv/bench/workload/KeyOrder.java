package io.raftkv.bench.workload;

/** How a workload walks its key space. */
public enum KeyOrder {
    /** Keys 0, 1, 2, ... shared by all clients, wrapping at the key-space size. */
    SEQUENTIAL,
    /** Keys drawn uniformly from the key space by each client's seeded random stream. */
    RANDOM
}
