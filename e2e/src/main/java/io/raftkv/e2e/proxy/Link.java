package io.raftkv.e2e.proxy;

/**
 * One directed peer link: the connections node {@code from} opens to node {@code to}'s peer port.
 * In Raft each direction carries its own RPCs (requests from {@code from}, responses back on the
 * same connection), so cutting {@code from -> to} silences {@code from}'s RPCs to {@code to} and
 * their replies, but not {@code to}'s RPCs to {@code from}.
 */
public record Link(int from, int to) {
    public Link {
        if (from == to) {
            throw new IllegalArgumentException("a link joins two different nodes, got " + from + " -> " + to);
        }
    }

    public Link reversed() {
        return new Link(to, from);
    }

    @Override
    public String toString() {
        return from + "->" + to;
    }
}
