package io.raftkv.bench.load;

/** How load is offered. */
public enum LoadMode {
    /** N clients, each issuing its next operation as soon as the previous one completes. */
    CLOSED,
    /**
     * Operations issued at a fixed target rate whatever the system does; latency is measured from
     * each operation's intended start, so a stalled system is not hidden (no coordinated omission).
     */
    OPEN
}
