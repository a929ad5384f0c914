package io.raftkv.node.server;

/**
 * How much memory responses that a client has not yet read may hold (docs/operations.md,
 * "Memory per connection"). A response counts from the moment the server hands it to its
 * connection until the connection has written it to the socket; a call keeps its in-flight slot
 * for as long.
 *
 * @param maxConnectionBytes  unwritten response bytes of one connection at which the connection
 *                            stops taking calls: a {@code KV.Pipeline} stream stops reading, a new
 *                            unary call waits (within its deadline), and a read that is about to
 *                            run is refused RESOURCE_EXHAUSTED {@code OVERLOADED}
 * @param maxNodeBytes        unwritten response bytes of all connections at which reads about to
 *                            run are refused RESOURCE_EXHAUSTED {@code OVERLOADED}
 * @param maxConnectionCalls  calls of one connection admitted and not yet written; beyond, the
 *                            connection stops taking calls as above
 */
public record ResponseLimits(long maxConnectionBytes, long maxNodeBytes, int maxConnectionCalls) {

    /** 8 MiB per connection, 64 MiB per node, 1,000 calls per connection. */
    public static ResponseLimits defaults() {
        return new ResponseLimits(8L * 1024 * 1024, 64L * 1024 * 1024, 1_000);
    }

    /** @throws IllegalArgumentException naming the first field that is out of range */
    public void validate() {
        if (maxConnectionBytes < 64 * 1024 || maxConnectionBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--max-connection-response-bytes must be in [65536, " + Integer.MAX_VALUE
                    + "], got " + maxConnectionBytes);
        }
        if (maxNodeBytes < maxConnectionBytes || maxNodeBytes > (1L << 40)) {
            throw new IllegalArgumentException("--max-node-response-bytes must be in [--max-connection-response-bytes ("
                    + maxConnectionBytes + "), 2^40], got " + maxNodeBytes);
        }
        if (maxConnectionCalls < 1 || maxConnectionCalls > 10_000_000) {
            throw new IllegalArgumentException(
                    "--max-connection-calls must be in [1, 10000000], got " + maxConnectionCalls);
        }
    }
}
